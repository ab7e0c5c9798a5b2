/* Build configuration of the vendored libsrtp 2.5.0 (see ../../README.md).
 *
 * Written by hand for the platforms Cascade builds on (Linux with glibc, 64-bit, little- or
 * big-endian), in place of the header autoconf generates. It selects OpenSSL as the crypto
 * backend, with AES-GCM (RFC 7714): that backend keeps one EVP cipher context per key, where
 * Debian's NSS build creates a context for every packet. */
#ifndef CSRTP_CONFIG_H
#define CSRTP_CONFIG_H

#define OPENSSL 1
#define GCM 1

#define PACKAGE_NAME "libsrtp2"
#define PACKAGE_TARNAME "libsrtp2"
#define PACKAGE_VERSION "2.5.0"
#define PACKAGE_STRING "libsrtp2 2.5.0"
#define PACKAGE_BUGREPORT ""
#define PACKAGE_URL ""

#define HAVE_ARPA_INET_H 1
#define HAVE_BYTESWAP_H 1
#define HAVE_INTTYPES_H 1
#define HAVE_NETINET_IN_H 1
#define HAVE_STDINT_H 1
#define HAVE_STDLIB_H 1
#define HAVE_STRING_H 1
#define HAVE_SYS_TYPES_H 1
#define HAVE_UNISTD_H 1
#define HAVE_INT8_T 1
#define HAVE_INT16_T 1
#define HAVE_INT32_T 1
#define HAVE_UINT8_T 1
#define HAVE_UINT16_T 1
#define HAVE_UINT32_T 1
#define HAVE_UINT64_T 1
#define SIZEOF_UNSIGNED_LONG 8
#define SIZEOF_UNSIGNED_LONG_LONG 8

#if defined(__x86_64__) || defined(__i386__)
#define CPU_CISC 1
#define HAVE_X86 1
#else
#define CPU_RISC 1
#endif

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
#define WORDS_BIGENDIAN 1
#endif

#endif
