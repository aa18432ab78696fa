/* smtp.h: the mail settings, and handing a message to an SMTP server with libcurl.
 *
 * Settings come from $XDG_CONFIG_HOME/docket/config (lines of "key = value", # comments), each
 * overridden by the environment variable DOCKET_ followed by the key in capitals:
 *   smtp_url      smtps://host[:port] (TLS from the start) or smtp://host[:port] (STARTTLS, required)
 *   smtp_tls      required (the default), or none: plain SMTP, allowed only to a loopback address
 *   smtp_ca_file  a CA bundle to verify the server with, instead of the system's
 *   smtp_timeout  seconds one message may take, connection included (default 60)
 *   mail_from     the From: address, "Name <addr>" or "addr"
 *   mail_sender   the envelope sender (MAIL FROM); default the From: address
 *   max_attempts  tries before a letter needs a person (default 8)
 *   retry_first   seconds before the first retry (default 300); each later one waits twice as long
 *   retry_max     the longest wait between tries, in seconds (default 21600)
 * Credentials are never in the config or the database: DOCKET_SMTP_USER and DOCKET_SMTP_PASSWORD,
 * else the machine's entry in ~/.netrc. TLS certificates are always verified. */
#ifndef DOCKET_SMTP_H
#define DOCKET_SMTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "status.h"

struct smtp_config {
	char *source; /* the config file read, or NULL when there was none */
	char *url;
	bool plain; /* smtp_tls = none */
	char *ca_file;
	long timeout;
	char *from_name;
	char *from_addr;
	char *sender;
	int max_attempts;
	int64_t retry_first;
	int64_t retry_max;
};

/* Reads the config file and the environment. DK_INVALID naming the file, line and key for a bad
 * setting (credentials in the file included). A missing url or From is not an error here;
 * smtp_config_check says so when mail is about to be sent. */
enum dk_status smtp_config_load(struct smtp_config *c, struct dk_error *err);

/* Whether the settings are enough to send: a url, a From address, TLS unless allowed otherwise. */
enum dk_status smtp_config_check(const struct smtp_config *c, struct dk_error *err);

void smtp_config_free(struct smtp_config *c);

/* Seconds to wait before the next try after `attempts` failed ones: retry_first doubled for each
 * try after the first, at most retry_max. */
int64_t smtp_backoff(const struct smtp_config *c, int64_t attempts);

enum smtp_result {
	SMTP_SENT,      /* the server accepted the message */
	SMTP_TEMPORARY, /* worth trying again: no connection, a timeout, TLS or login trouble, a 4xx */
	SMTP_PERMANENT, /* the server refused the recipient or the message with a 5xx */
};

struct smtp;

/* A session that keeps its connection between messages. */
enum dk_status smtp_open(const struct smtp_config *c, struct smtp **out, struct dk_error *err);
void smtp_close(struct smtp **s);

/* Sends one message (CRLF line ends) to one recipient. reply receives the server's answer or the
 * transport's error, one line, never a credential. */
enum smtp_result smtp_send(struct smtp *s, const char *rcpt, const char *msg, size_t len, char *reply, size_t n);

#endif
