# DOCKET_CHECK_CURL: libcurl, for fetching imports over HTTP(S) and sending notices over SMTP.
AC_DEFUN([DOCKET_CHECK_CURL], [
  PKG_CHECK_MODULES([CURL], [libcurl >= 7.74])
])
