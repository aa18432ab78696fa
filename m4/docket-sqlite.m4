# DOCKET_CHECK_SQLITE: SQLite 3.38 or later (unixepoch(), STRICT tables).
AC_DEFUN([DOCKET_CHECK_SQLITE], [
  PKG_CHECK_MODULES([SQLITE], [sqlite3 >= 3.38])
])
