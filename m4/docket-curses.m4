# DOCKET_CHECK_CURSES: the wide-character ncurses, for the terminal UI only.
AC_DEFUN([DOCKET_CHECK_CURSES], [
  PKG_CHECK_MODULES([CURSES], [ncursesw >= 6.0])
])
