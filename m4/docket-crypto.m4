# DOCKET_CHECK_CRYPTO: libcrypto, for the SHA-256 of the audit chain.
AC_DEFUN([DOCKET_CHECK_CRYPTO], [
  PKG_CHECK_MODULES([CRYPTO], [libcrypto >= 1.1])
])
