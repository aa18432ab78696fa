/* fetch.h: reading an http:// or https:// URL as a stream, with libcurl.
 *
 * The body is handed over as it arrives, never held whole. TLS certificates and host names are
 * always verified (a private CA can be added with cacert). Credentials come from the URL, from
 * ~/.netrc or from extra headers; they are never part of a message (see fetch_redact), and are
 * not sent on a redirect to another host. A few redirects are followed, never from https to http.
 * A response larger than the maximum size is refused. Time-outs, dropped connections and 5xx
 * answers are retried with a growing pause, within the total time allowed; the consumer is told
 * when a body starts again so that it can forget what it read of an earlier attempt. */
#ifndef DOCKET_FETCH_H
#define DOCKET_FETCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "status.h"

#define FETCH_CONNECT_TIMEOUT 10            /* seconds to connect, by default */
#define FETCH_TIMEOUT         300           /* seconds for the whole fetch, retries included */
#define FETCH_STALL_TIMEOUT   60            /* seconds without a byte before an attempt is given up */
#define FETCH_MAX_SIZE        (256LL << 20) /* bytes, by default */
#define FETCH_MAX_REDIRECTS   3
#define FETCH_HEADERS_MAX     16

struct fetch_options {
	const char *cacert;         /* a file of CA certificates to trust as well; NULL for none */
	const char *const *headers; /* "Name: value", sent with every request */
	size_t n_headers;
	long connect_timeout; /* seconds; 0: FETCH_CONNECT_TIMEOUT */
	long timeout;         /* seconds; 0: FETCH_TIMEOUT */
	int64_t max_size;     /* bytes; 0: FETCH_MAX_SIZE */
	/* Called when a successful response's body starts (also for an empty one), with its
	 * Content-Type (NULL when none), and attempt counting from 1. A status other than DK_OK
	 * ends the fetch with it. */
	enum dk_status (*begin)(void *ctx, const char *content_type, int attempt, struct dk_error *err);
	/* Called with each piece of the body. A status other than DK_OK ends the fetch with it. */
	enum dk_status (*write)(void *ctx, const char *data, size_t n, struct dk_error *err);
	void *ctx;
};

/* Whether s starts with http:// or https:// (any case). */
bool fetch_is_url(const char *s);

/* The URL without user name, password, query and fragment, for messages and records: what is
 * left out is written as "...". */
void fetch_redact(const char *url, char *out, size_t n);

/* Checks a header given by the user ("Name: value", no line ends). */
enum dk_status fetch_check_header(const char *h, struct dk_error *err);

/* Fetches url. DK_STORAGE (network failure, an HTTP error, a time-out, too large) with the status
 * and the redacted URL; or the status a callback returned. */
enum dk_status fetch_url(const char *url, const struct fetch_options *o, struct dk_error *err);

#endif
