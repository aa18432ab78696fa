# DOCKET_CHECK_CMOCKA: cmocka, for the unit tests only.
AC_DEFUN([DOCKET_CHECK_CMOCKA], [
  PKG_CHECK_MODULES([CMOCKA], [cmocka >= 1.1])
])
