#ifndef CSHIMS_H
#define CSHIMS_H
// Placeholder: wrappers for OpenSSL/libsrtp macros Swift cannot import land here.
int cshims_placeholder(void);
#endif
