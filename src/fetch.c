/* fetch.c: HTTP(S) downloads streamed to a consumer, with libcurl's easy interface (see fetch.h). */
#include "fetch.h"

#include <curl/curl.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "config.h"

bool fetch_is_url(const char *s)
{
	return strncasecmp(s, "http://", 7) == 0 || strncasecmp(s, "https://", 8) == 0;
}

void fetch_redact(const char *url, char *out, size_t n)
{
	const char *rest = strstr(url, "://");
	rest = rest ? rest + 3 : url;
	size_t auth_len = strcspn(rest, "/?#");
	const char *at = NULL;
	for (const char *p = rest; p < rest + auth_len; p++)
		if (*p == '@')
			at = p;
	const char *host = at ? at + 1 : rest;
	size_t path_len = strcspn(host, "?#");
	snprintf(out, n, "%.*s%s%.*s%s", (int)(rest - url), url, at ? "...@" : "", (int)path_len, host,
		 host[path_len] ? "?..." : "");
}

enum dk_status fetch_check_header(const char *h, struct dk_error *err)
{
	const char *colon = strchr(h, ':');
	bool name_ok = colon && colon > h;
	for (const char *p = h; name_ok && p < colon; p++)
		name_ok = *p > 0x20 && *p < 0x7f;
	if (!name_ok || strpbrk(h, "\r\n"))
		/* Only the name: the value may be a secret. */
		return dk_fail(err, DK_INVALID, "--header: \"%.*s\" is not of the form 'Name: value' on one line",
			       colon ? (int)(colon - h) : 0, h);
	return DK_OK;
}

struct attempt {
	const struct fetch_options *o;
	CURL *h;
	int number;
	bool begun;
	int64_t received, max;
	bool too_big;
	enum dk_status cb_status;
	struct dk_error *cb_err;
};

static size_t on_body(char *data, size_t size, size_t nmemb, void *ctx)
{
	struct attempt *a = ctx;
	size_t n = size * nmemb;
	if (!a->begun) {
		char *type = NULL;
		curl_easy_getinfo(a->h, CURLINFO_CONTENT_TYPE, &type);
		a->begun = true;
		if ((a->cb_status = a->o->begin(a->o->ctx, type, a->number, a->cb_err)))
			return 0;
	}
	if ((int64_t)n > a->max - a->received) {
		a->too_big = true;
		return 0;
	}
	a->received += (int64_t)n;
	if ((a->cb_status = a->o->write(a->o->ctx, data, n, a->cb_err)))
		return 0;
	return n;
}

static double now_seconds(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void pause_for(double seconds)
{
	struct timespec ts = {(time_t)seconds, (long)((seconds - (double)(time_t)seconds) * 1e9)};
	while (nanosleep(&ts, &ts) != 0)
		;
}

/* Failures worth another attempt: the network or the server, not the request or the
 * certificate. */
static bool retryable(CURLcode rc, long status)
{
	switch (rc) {
	case CURLE_OPERATION_TIMEDOUT:
	case CURLE_COULDNT_CONNECT:
	case CURLE_RECV_ERROR:
	case CURLE_SEND_ERROR:
	case CURLE_GOT_NOTHING:
	case CURLE_PARTIAL_FILE: return true;
	case CURLE_HTTP_RETURNED_ERROR: return status >= 500 || status == 408 || status == 429;
	default: return false;
	}
}

static CURLcode setup(CURL *h, const char *url, const struct fetch_options *o, struct curl_slist *headers, char *errbuf)
{
	bool https = strncasecmp(url, "https://", 8) == 0;
	CURLcode rc = CURLE_OK;
#define SET(opt, val)                                                                                                  \
	do {                                                                                                           \
		if (rc == CURLE_OK)                                                                                    \
			rc = curl_easy_setopt(h, opt, val);                                                            \
	} while (0)
	SET(CURLOPT_URL, url);
	SET(CURLOPT_ERRORBUFFER, errbuf);
	SET(CURLOPT_NOSIGNAL, 1L);
	SET(CURLOPT_USERAGENT, "docket/" PACKAGE_VERSION);
#if LIBCURL_VERSION_NUM >= 0x075500
	SET(CURLOPT_PROTOCOLS_STR, "http,https");
	/* Never from https down to http: credentials and the data would travel in the clear. */
	SET(CURLOPT_REDIR_PROTOCOLS_STR, https ? "https" : "http,https");
#else
	SET(CURLOPT_PROTOCOLS, (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
	SET(CURLOPT_REDIR_PROTOCOLS, (long)(https ? CURLPROTO_HTTPS : CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
	SET(CURLOPT_FOLLOWLOCATION, 1L);
	SET(CURLOPT_MAXREDIRS, (long)FETCH_MAX_REDIRECTS);
	SET(CURLOPT_UNRESTRICTED_AUTH, 0L);
	SET(CURLOPT_SSL_VERIFYPEER, 1L);
	SET(CURLOPT_SSL_VERIFYHOST, 2L);
	if (o->cacert)
		SET(CURLOPT_CAINFO, o->cacert);
	SET(CURLOPT_NETRC, (long)CURL_NETRC_OPTIONAL);
	SET(CURLOPT_FAILONERROR, 1L);
	SET(CURLOPT_ACCEPT_ENCODING, "");
	SET(CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)(o->max_size ? o->max_size : FETCH_MAX_SIZE));
	if (headers)
		SET(CURLOPT_HTTPHEADER, headers);
	SET(CURLOPT_WRITEFUNCTION, on_body);
#undef SET
	return rc;
}

enum dk_status fetch_url(const char *url, const struct fetch_options *o, struct dk_error *err)
{
	char shown[512], errbuf[CURL_ERROR_SIZE];
	fetch_redact(url, shown, sizeof shown);
	if (!fetch_is_url(url))
		return dk_fail(err, DK_INVALID, "%s: only http:// and https:// URLs can be read", shown);
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		return dk_fail(err, DK_STORAGE, "%s: libcurl could not start", shown);
	enum dk_status s = DK_OK;
	struct curl_slist *headers = NULL;
	CURL *h = curl_easy_init();
	if (!h) {
		s = dk_fail(err, DK_STORAGE, "%s: libcurl could not start", shown);
		goto out;
	}
	for (size_t i = 0; i < o->n_headers; i++) {
		struct curl_slist *l = curl_slist_append(headers, o->headers[i]);
		if (!l) {
			s = dk_fail(err, DK_STORAGE, "out of memory");
			goto out;
		}
		headers = l;
	}
	errbuf[0] = '\0';
	if (setup(h, url, o, headers, errbuf) != CURLE_OK) {
		s = dk_fail(err, DK_STORAGE, "%s: libcurl refused an option: %s", shown, errbuf);
		goto out;
	}
	long timeout = o->timeout > 0 ? o->timeout : FETCH_TIMEOUT;
	long connect = o->connect_timeout > 0 ? o->connect_timeout : FETCH_CONNECT_TIMEOUT;
	double start = now_seconds(), deadline = start + (double)timeout, delay = 1;
	struct attempt a = {.o = o, .h = h, .max = o->max_size > 0 ? o->max_size : FETCH_MAX_SIZE, .cb_err = err};
	for (a.number = 1;; a.number++) {
		double left = deadline - now_seconds();
		long left_ms = (long)(left * 1000);
		if (left_ms < 1)
			left_ms = 1;
		a.received = 0;
		a.too_big = false;
		a.begun = false;
		errbuf[0] = '\0';
		curl_easy_setopt(h, CURLOPT_WRITEDATA, &a);
		curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, left_ms);
		curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, connect * 1000 < left_ms ? connect * 1000 : left_ms);
		/* A stalled server is given up on sooner than the whole time allowed, to try again. */
		long stall = FETCH_STALL_TIMEOUT < timeout ? FETCH_STALL_TIMEOUT : timeout;
		curl_easy_setopt(h, CURLOPT_LOW_SPEED_LIMIT, 1L);
		curl_easy_setopt(h, CURLOPT_LOW_SPEED_TIME, stall);
		a.cb_status = DK_OK;
		CURLcode rc = curl_easy_perform(h);
		long status = 0;
		curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
		if (a.cb_status) {
			s = a.cb_status; /* the consumer's own failure, in err */
			break;
		}
		if (a.too_big || rc == CURLE_FILESIZE_EXCEEDED) {
			s = dk_fail(err, DK_STORAGE, "%s: larger than the limit of %lld bytes (--max-size)", shown,
				    (long long)a.max);
			break;
		}
		if (rc == CURLE_OK) {
			if (!a.begun && (s = o->begin(o->ctx, NULL, a.number, err)))
				break;
			s = DK_OK;
			break;
		}
		char why[CURL_ERROR_SIZE + 64];
		if (rc == CURLE_HTTP_RETURNED_ERROR)
			snprintf(why, sizeof why, "HTTP %ld", status);
		else if (rc == CURLE_UNSUPPORTED_PROTOCOL && strncasecmp(url, "https://", 8) == 0)
			snprintf(why, sizeof why, "a redirect away from https was refused");
		else if (rc == CURLE_OPERATION_TIMEDOUT)
			snprintf(why, sizeof why, "timed out (%s)", errbuf[0] ? errbuf : curl_easy_strerror(rc));
		else
			snprintf(why, sizeof why, "%s", errbuf[0] ? errbuf : curl_easy_strerror(rc));
		double elapsed = now_seconds() - start;
		if (!retryable(rc, status) || now_seconds() + delay >= deadline) {
			if (a.number > 1)
				s = dk_fail(err, DK_STORAGE,
					    "%s: %s (gave up after %d attempts in %.0f s; --timeout %ld)", shown, why,
					    a.number, elapsed, timeout);
			else
				s = dk_fail(err, DK_STORAGE, "%s: %s", shown, why);
			break;
		}
		pause_for(delay);
		delay = delay * 2 > 30 ? 30 : delay * 2;
	}
out:
	curl_slist_free_all(headers);
	if (h)
		curl_easy_cleanup(h);
	curl_global_cleanup();
	return s;
}
