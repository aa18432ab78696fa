# DOCKET_WARNINGS: the language level and the warnings every build uses.
AC_DEFUN([DOCKET_WARNINGS], [
  DOCKET_CFLAGS="-std=gnu11 -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wformat=2 -Wno-format-nonliteral"
  AC_SUBST([DOCKET_CFLAGS])
])
