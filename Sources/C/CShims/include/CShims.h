#ifndef CSHIMS_H
#define CSHIMS_H
// Thin wrappers for the OpenSSL 3 / libsrtp2 macros and variadic functions Swift cannot import.
// Each wrapper does exactly what the macro it names does; logic lives in Swift.
#include <openssl/ssl.h>
#include <openssl/evp.h>
#include <openssl/bio.h>
#include <srtp2/srtp.h>
#include <sys/socket.h>

// BIO_set_mem_eof_return: an empty memory BIO reads as "retry" (-1), not EOF.
void cshims_BIO_set_mem_eof_return(BIO *bio, long value);

// SSL_OP_NO_QUERY_MTU / SSL_OP_NO_RENEGOTIATION are 64-bit macro constants.
uint64_t cshims_SSL_OP_NO_QUERY_MTU(void);
uint64_t cshims_SSL_OP_NO_RENEGOTIATION(void);
uint64_t cshims_SSL_OP_NO_TICKET(void);

// SSL_set_mtu + DTLS_set_link_mtu (macros over SSL_ctrl). Returns 1 on success.
int cshims_DTLS_set_mtu(SSL *ssl, long mtu);

// DTLSv1_get_timeout: 1 and *remainingMicros set when a retransmit timer runs, else 0.
int cshims_DTLSv1_get_timeout(SSL *ssl, uint64_t *remainingMicros);
// DTLSv1_handle_timeout: 1 retransmitted, 0 timer not expired / none, -1 fatal.
int cshims_DTLSv1_handle_timeout(SSL *ssl);

// SSL_CTX_set_min/max_proto_version, SSL_CTX_set1_groups_list, SSL_CTX_set_session_cache_mode.
int cshims_SSL_CTX_set_dtls12_only(SSL_CTX *ctx);
int cshims_SSL_CTX_set1_groups_list(SSL_CTX *ctx, const char *groups);
void cshims_SSL_CTX_disable_session_cache(SSL_CTX *ctx);

// EVP_EC_gen("P-256") (variadic underneath).
EVP_PKEY *cshims_EVP_EC_gen_P256(void);

// SRTP_MAX_TRAILER_LEN (an expression macro).
int cshims_SRTP_MAX_TRAILER_LEN(void);

// struct mmsghdr and sendmmsg(2) are declared only under _GNU_SOURCE, which Swift's Glibc module
// does not define: the same layout under our name, and the call.
typedef struct {
    struct msghdr msg_hdr;
    unsigned int msg_len;
} cshims_mmsghdr;
int cshims_sendmmsg(int fd, cshims_mmsghdr *messages, unsigned int count);

// malloc_trim(0) (glibc, not a macro, but absent from Swift's Glibc module): gives the freed
// memory of every malloc arena back to the system. 1 if some was released, else 0 (always 0 on a
// C library without it).
int cshims_malloc_trim(void);

#endif
