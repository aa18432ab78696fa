/* mail.h: e-mail addresses, and letters turned into RFC 5322 / MIME messages.
 *
 * A message is plain text in UTF-8: ASCII with short lines goes as 7bit, anything else as
 * quoted-printable, so that no line exceeds 998 octets. A subject or display name that is not
 * ASCII is written as RFC 2047 encoded words. A line break inside an address, a name or the
 * subject is refused: it would let the text add headers of its own. */
#ifndef DOCKET_MAIL_H
#define DOCKET_MAIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "status.h"

#define MAIL_ADDRESS_MAX    254
#define MAIL_SUBJECT_MAX    900
#define MAIL_NAME_MAX       200
#define MAIL_BODY_MAX       (512 * 1024)
#define MAIL_MESSAGE_ID_MAX 250

/* Checks an address docket can send to: ASCII, local@domain with a dot in the domain, no spaces,
 * quotes, brackets or line breaks. The message names field. */
enum dk_status mail_check_address(const char *field, const char *addr, struct dk_error *err);

/* Parses "Name <addr>" or "addr" (as a config file gives a From address); name and addr are
 * malloc'd (name "" when none). */
enum dk_status mail_parse_mailbox(const char *field, const char *s, char **name, char **addr, struct dk_error *err);

/* A new Message-ID, "<32 hex digits@domain>", into out (MAIL_MESSAGE_ID_MAX + 1 bytes). domain is
 * the host name when it looks like one, else "docket.invalid". */
enum dk_status mail_new_message_id(char *out, size_t n, struct dk_error *err);

/* "Mon, 02 Mar 2026 10:00:00 +0000" into out (at least 32 bytes). */
void mail_date(int64_t t, char *out, size_t n);

struct mail_message {
	const char *from_name; /* may be "" */
	const char *from_addr;
	const char *to_name; /* may be "" */
	const char *to_addr;
	const char *subject;
	const char *body;       /* UTF-8, lines ending in LF (or CRLF) */
	const char *message_id; /* "<...@...>" */
	int64_t date;
	bool auto_generated; /* adds Auto-Submitted: auto-generated (RFC 3834) */
};

/* Writes the whole message, headers and body, with CRLF line ends, to out. */
enum dk_status mail_build(const struct mail_message *m, struct buf *out, struct dk_error *err);

#endif
