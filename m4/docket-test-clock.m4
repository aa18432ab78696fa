# DOCKET_ARG_TEST_CLOCK: --enable-test-clock, a build whose clock the tests can set.
#
# The model-based test (tests/model/) moves time forward without sleeping: such a docket reads the
# current time from DOCKET_TEST_NOW when it is set. A clock a user could set is a way round the
# waiting period before disclosure, so it exists only when asked for here, and `make install`
# refuses a build that has it.
AC_DEFUN([DOCKET_ARG_TEST_CLOCK], [
  AC_ARG_ENABLE([test-clock],
    [AS_HELP_STRING([--enable-test-clock],
      [read the time from DOCKET_TEST_NOW, for the test suite only (such a build cannot be installed)])],
    [], [enable_test_clock=no])
  AS_IF([test "x$enable_test_clock" = xyes],
    [AC_DEFINE([DOCKET_TEST_CLOCK], [1], [Define to read the time from DOCKET_TEST_NOW (tests only).])
     AC_DEFINE([DOCKET_TEST_CLOCK_CONFIGURED], [1],
       [Defined with DOCKET_TEST_CLOCK by configure, whose make install refuses such a build.])
     AC_MSG_WARN([this docket reads its clock from DOCKET_TEST_NOW: for the test suite only])])
  AM_CONDITIONAL([TEST_CLOCK], [test "x$enable_test_clock" = xyes])
])
