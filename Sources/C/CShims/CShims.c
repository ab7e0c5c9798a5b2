#define _GNU_SOURCE
#include "CShims.h"
#include <stddef.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif

void cshims_BIO_set_mem_eof_return(BIO *bio, long value) { BIO_set_mem_eof_return(bio, value); }

uint64_t cshims_SSL_OP_NO_QUERY_MTU(void) { return SSL_OP_NO_QUERY_MTU; }
uint64_t cshims_SSL_OP_NO_RENEGOTIATION(void) { return SSL_OP_NO_RENEGOTIATION; }
uint64_t cshims_SSL_OP_NO_TICKET(void) { return SSL_OP_NO_TICKET; }

int cshims_DTLS_set_mtu(SSL *ssl, long mtu) {
    // SSL_set_mtu returns the MTU on success and 0 below the DTLS minimum.
    if (SSL_set_mtu(ssl, mtu) <= 0) return 0;
    return DTLS_set_link_mtu(ssl, mtu) == 1 ? 1 : 0;
}

int cshims_DTLSv1_get_timeout(SSL *ssl, uint64_t *remainingMicros) {
    struct timeval tv = {0, 0};
    if (DTLSv1_get_timeout(ssl, &tv) != 1) return 0;
    *remainingMicros = (uint64_t)tv.tv_sec * 1000000u + (uint64_t)tv.tv_usec;
    return 1;
}

int cshims_DTLSv1_handle_timeout(SSL *ssl) { return (int)DTLSv1_handle_timeout(ssl); }

int cshims_SSL_CTX_set_dtls12_only(SSL_CTX *ctx) {
    return SSL_CTX_set_min_proto_version(ctx, DTLS1_2_VERSION) == 1
        && SSL_CTX_set_max_proto_version(ctx, DTLS1_2_VERSION) == 1;
}

int cshims_SSL_CTX_set1_groups_list(SSL_CTX *ctx, const char *groups) {
    return (int)SSL_CTX_set1_groups_list(ctx, groups);
}

void cshims_SSL_CTX_disable_session_cache(SSL_CTX *ctx) {
    SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
}

EVP_PKEY *cshims_EVP_EC_gen_P256(void) { return EVP_EC_gen("P-256"); }

int cshims_SRTP_MAX_TRAILER_LEN(void) { return SRTP_MAX_TRAILER_LEN; }

_Static_assert(sizeof(cshims_mmsghdr) == sizeof(struct mmsghdr), "mmsghdr layout");
_Static_assert(offsetof(cshims_mmsghdr, msg_len) == offsetof(struct mmsghdr, msg_len), "mmsghdr layout");

int cshims_sendmmsg(int fd, cshims_mmsghdr *messages, unsigned int count) {
    return sendmmsg(fd, (struct mmsghdr *)messages, count, 0);
}

int cshims_malloc_trim(void) {
#ifdef __GLIBC__
    return malloc_trim(0);
#else
    return 0;
#endif
}
