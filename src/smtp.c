/* smtp.c: the mail settings and delivery over SMTP with libcurl (see smtp.h). */
#include "smtp.h"

#include <curl/curl.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "mail.h"
#include "text.h"
#include "xdg.h"

static const char *const keys[] = {"smtp_url",    "smtp_tls",     "smtp_ca_file", "smtp_timeout", "mail_from",
				   "mail_sender", "max_attempts", "retry_first",  "retry_max",    NULL};

static bool credential_key(const char *k)
{
	return strstr(k, "user") || strstr(k, "pass") || strstr(k, "login") || strstr(k, "secret") ||
	       strstr(k, "token");
}

/* The path of the config file; NULL when there is no HOME either. */
static char *config_path(void)
{
	struct buf b;
	buf_init(&b);
	if (!xdg_base(&b, "XDG_CONFIG_HOME", "/.config"))
		return NULL;
	buf_puts(&b, "/docket/config");
	return buf_take(&b);
}

/* Applies one setting; where names the file and line, or the environment variable. */
static enum dk_status apply(struct smtp_config *c, const char *key, const char *val, const char *where,
			    struct dk_error *err)
{
	if (text_check(where, val, 1000, false, false, err))
		return DK_INVALID;
	long long n = 0;
	char *end = NULL;
	bool numeric = strcmp(key, "smtp_timeout") == 0 || strcmp(key, "max_attempts") == 0 ||
		       strcmp(key, "retry_first") == 0 || strcmp(key, "retry_max") == 0;
	if (numeric) {
		errno = 0;
		n = strtoll(val, &end, 10);
		if (errno || end == val || *end || n < 0 || n > 100000000)
			return dk_fail(err, DK_INVALID, "%s: %s: \"%.40s\" is not a number of %s", where, key, val,
				       strcmp(key, "max_attempts") == 0 ? "attempts" : "seconds");
	}
	if (strcmp(key, "smtp_url") == 0) {
		free(c->url);
		c->url = strdup(val);
	} else if (strcmp(key, "smtp_tls") == 0) {
		if (strcmp(val, "required") != 0 && strcmp(val, "none") != 0)
			return dk_fail(err, DK_INVALID, "%s: smtp_tls: \"%.40s\" is not required or none", where, val);
		c->plain = strcmp(val, "none") == 0;
	} else if (strcmp(key, "smtp_ca_file") == 0) {
		free(c->ca_file);
		c->ca_file = *val ? strdup(val) : NULL;
	} else if (strcmp(key, "smtp_timeout") == 0) {
		if (n < 1)
			return dk_fail(err, DK_INVALID, "%s: smtp_timeout: at least 1 second", where);
		c->timeout = (long)n;
	} else if (strcmp(key, "mail_from") == 0) {
		free(c->from_name), free(c->from_addr);
		c->from_name = c->from_addr = NULL;
		if (mail_parse_mailbox(where, val, &c->from_name, &c->from_addr, err))
			return DK_INVALID;
	} else if (strcmp(key, "mail_sender") == 0) {
		if (mail_check_address(where, val, err))
			return DK_INVALID;
		free(c->sender);
		c->sender = strdup(val);
	} else if (strcmp(key, "max_attempts") == 0) {
		if (n < 1 || n > 1000)
			return dk_fail(err, DK_INVALID, "%s: max_attempts: from 1 to 1000", where);
		c->max_attempts = (int)n;
	} else if (strcmp(key, "retry_first") == 0) {
		c->retry_first = n;
	} else if (strcmp(key, "retry_max") == 0) {
		c->retry_max = n;
	}
	return DK_OK;
}

static enum dk_status read_config(struct smtp_config *c, const char *path, struct dk_error *err)
{
	FILE *f = fopen(path, "re");
	if (!f) {
		if (errno == ENOENT)
			return DK_OK;
		return dk_fail(err, DK_INVALID, "%s: %s", path, strerror(errno));
	}
	c->source = strdup(path);
	char line[1200];
	int lineno = 0;
	enum dk_status s = DK_OK;
	while (!s && fgets(line, sizeof line, f)) {
		lineno++;
		char where[300];
		snprintf(where, sizeof where, "%.250s, line %d", path, lineno);
		size_t len = strlen(line);
		if (len && line[len - 1] == '\n')
			line[--len] = '\0';
		else if (!feof(f)) {
			s = dk_fail(err, DK_INVALID, "%s: line too long", where);
			break;
		}
		char *p = line + strspn(line, " \t");
		if (!*p || *p == '#')
			continue;
		char *eq = strchr(p, '=');
		if (!eq) {
			s = dk_fail(err, DK_INVALID, "%s: not key = value", where);
			break;
		}
		char *k = p, *ke = eq;
		while (ke > k && (ke[-1] == ' ' || ke[-1] == '\t'))
			ke--;
		*ke = '\0';
		char *v = eq + 1 + strspn(eq + 1, " \t");
		char *ve = v + strlen(v);
		while (ve > v && (ve[-1] == ' ' || ve[-1] == '\t' || ve[-1] == '\r'))
			ve--;
		*ve = '\0';
		if (credential_key(k)) {
			s = dk_fail(err, DK_INVALID,
				    "%s: %.40s: credentials do not belong in the config file; use ~/.netrc or "
				    "DOCKET_SMTP_USER and DOCKET_SMTP_PASSWORD",
				    where, k);
			break;
		}
		bool known = false;
		for (int i = 0; keys[i]; i++)
			known = known || strcmp(keys[i], k) == 0;
		if (!known) {
			s = dk_fail(err, DK_INVALID, "%s: unknown key \"%.40s\"", where, k);
			break;
		}
		s = apply(c, k, v, where, err);
	}
	fclose(f);
	return s;
}

enum dk_status smtp_config_load(struct smtp_config *c, struct dk_error *err)
{
	memset(c, 0, sizeof *c);
	c->timeout = 60;
	c->max_attempts = 8;
	c->retry_first = 300;
	c->retry_max = 21600;
	enum dk_status s = DK_OK;
	char *path = config_path();
	if (path)
		s = read_config(c, path, err);
	free(path);
	for (int i = 0; !s && keys[i]; i++) {
		char env[64];
		snprintf(env, sizeof env, "DOCKET_%s", keys[i]);
		for (char *p = env; *p; p++)
			if (*p >= 'a' && *p <= 'z')
				*p = (char)(*p - 'a' + 'A');
		const char *v = getenv(env);
		if (v)
			s = apply(c, keys[i], v, env, err);
	}
	if (s)
		smtp_config_free(c);
	return s;
}

void smtp_config_free(struct smtp_config *c)
{
	free(c->source), free(c->url), free(c->ca_file), free(c->from_name), free(c->from_addr), free(c->sender);
	memset(c, 0, sizeof *c);
}

int64_t smtp_backoff(const struct smtp_config *c, int64_t attempts)
{
	int64_t wait = c->retry_first;
	for (int64_t i = 1; i < attempts && wait < c->retry_max; i++)
		wait *= 2;
	return wait < c->retry_max ? wait : c->retry_max;
}

static bool loopback(const char *host)
{
	if (strcmp(host, "localhost") == 0 || strcmp(host, "[::1]") == 0 || strcmp(host, "::1") == 0)
		return true;
	unsigned a, b, cc, d;
	char extra;
	return sscanf(host, "%u.%u.%u.%u%c", &a, &b, &cc, &d, &extra) == 4 && a == 127 && b < 256 && cc < 256 &&
	       d < 256;
}

enum dk_status smtp_config_check(const struct smtp_config *c, struct dk_error *err)
{
	const char *where = c->source ? c->source : "the environment";
	if (!c->url || !*c->url)
		return dk_fail(err, DK_INVALID, "no SMTP server: set smtp_url in %s (or DOCKET_SMTP_URL)",
			       c->source ? c->source : "$XDG_CONFIG_HOME/docket/config");
	if (!c->from_addr)
		return dk_fail(err, DK_INVALID, "no From address: set mail_from in %s (or DOCKET_MAIL_FROM)",
			       c->source ? c->source : "$XDG_CONFIG_HOME/docket/config");
	CURLU *u = curl_url();
	if (!u)
		return dk_fail(err, DK_STORAGE, "out of memory");
	char *scheme = NULL, *host = NULL, *user = NULL, *pass = NULL;
	enum dk_status s = DK_OK;
	if (curl_url_set(u, CURLUPART_URL, c->url, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK) {
		s = dk_fail(err, DK_INVALID, "%s: smtp_url: \"%.80s\" is not a URL", where, c->url);
		goto done;
	}
	curl_url_get(u, CURLUPART_USER, &user, 0);
	curl_url_get(u, CURLUPART_PASSWORD, &pass, 0);
	if (user || pass) {
		s = dk_fail(err, DK_INVALID,
			    "%s: smtp_url: credentials do not belong in the URL; use ~/.netrc or DOCKET_SMTP_USER and "
			    "DOCKET_SMTP_PASSWORD",
			    where);
		goto done;
	}
	if (strcmp(scheme, "smtps") != 0 && strcmp(scheme, "smtp") != 0) {
		s = dk_fail(err, DK_INVALID, "%s: smtp_url: \"%s\" is not smtps:// or smtp://", where, scheme);
		goto done;
	}
	if (c->plain && (strcmp(scheme, "smtp") != 0 || !loopback(host)))
		s = dk_fail(err, DK_INVALID,
			    "%s: smtp_tls = none is allowed only for smtp:// to a loopback address (127.0.0.1, ::1, "
			    "localhost), not %s://%s",
			    where, scheme, host);
done:
	curl_free(scheme), curl_free(host), curl_free(user), curl_free(pass);
	curl_url_cleanup(u);
	return s;
}

/* The session: one curl handle, so that the connection is kept between messages. */
struct smtp {
	const struct smtp_config *cfg;
	CURL *h;
	char errbuf[CURL_ERROR_SIZE];
	char mail_from[MAIL_ADDRESS_MAX + 3];
	/* The command being answered, and the server's first refusal (4xx or 5xx) and the command
	 * it answered: after a refusal curl may say QUIT, whose answer says nothing. */
	char verb[8];
	char reply[512];
	char refused_verb[8];
	char last[512]; /* the last reply of all: on success, the server's word on the message */
	const char *msg;
	size_t len, pos;
};

static size_t read_cb(char *out, size_t size, size_t nmemb, void *ctx)
{
	struct smtp *s = ctx;
	size_t want = size * nmemb, left = s->len - s->pos;
	size_t n = want < left ? want : left;
	memcpy(out, s->msg + s->pos, n);
	s->pos += n;
	return n;
}

/* Keeps the server's first refusal and the verb of the command it answered. Only the first four
 * characters of a command are looked at, so that an AUTH line's credentials are never kept. */
static int debug_cb(CURL *h, curl_infotype type, char *data, size_t size, void *ctx)
{
	(void)h;
	struct smtp *s = ctx;
	if (type == CURLINFO_HEADER_OUT && size >= 4) {
		memcpy(s->verb, data, 4);
		s->verb[4] = '\0';
		for (char *p = s->verb; *p; p++)
			if (*p >= 'a' && *p <= 'z')
				*p = (char)(*p - 'a' + 'A');
	} else if (type == CURLINFO_HEADER_IN) {
		size_t n = size;
		while (n && (data[n - 1] == '\n' || data[n - 1] == '\r'))
			n--;
		if (n >= sizeof s->last)
			n = sizeof s->last - 1;
		memcpy(s->last, data, n);
		s->last[n] = '\0';
		if (!s->reply[0] && n && (data[0] == '4' || data[0] == '5')) {
			memcpy(s->reply, s->last, n + 1);
			memcpy(s->refused_verb, s->verb, sizeof s->verb);
		}
	}
	return 0;
}

static int sessions;

enum dk_status smtp_open(const struct smtp_config *c, struct smtp **out, struct dk_error *err)
{
	*out = NULL;
	enum dk_status st = smtp_config_check(c, err);
	if (st)
		return st;
	/* libcurl's global state lives while a session is open (docket is single-threaded). */
	if (sessions == 0 && curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		return dk_fail(err, DK_STORAGE, "libcurl could not start");
	sessions++;
	struct smtp *s = calloc(1, sizeof *s);
	if (!s || !(s->h = curl_easy_init())) {
		free(s);
		if (--sessions == 0)
			curl_global_cleanup();
		return dk_fail(err, DK_STORAGE, "out of memory");
	}
	s->cfg = c;
	snprintf(s->mail_from, sizeof s->mail_from, "<%s>", c->sender ? c->sender : c->from_addr);
	CURL *h = s->h;
	curl_easy_setopt(h, CURLOPT_URL, c->url);
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
	curl_easy_setopt(h, CURLOPT_USE_SSL, (long)(c->plain ? CURLUSESSL_NONE : CURLUSESSL_ALL));
	curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L);
	if (c->ca_file)
		curl_easy_setopt(h, CURLOPT_CAINFO, c->ca_file);
	curl_easy_setopt(h, CURLOPT_MAIL_FROM, s->mail_from);
	curl_easy_setopt(h, CURLOPT_UPLOAD, 1L);
	curl_easy_setopt(h, CURLOPT_READFUNCTION, read_cb);
	curl_easy_setopt(h, CURLOPT_READDATA, s);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, s->errbuf);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_TIMEOUT, c->timeout);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, c->timeout < 30 ? c->timeout : 30L);
	curl_easy_setopt(h, CURLOPT_VERBOSE, 1L);
	curl_easy_setopt(h, CURLOPT_DEBUGFUNCTION, debug_cb);
	curl_easy_setopt(h, CURLOPT_DEBUGDATA, s);
	/* Credentials: the environment, else ~/.netrc; never from the config or the database. */
	const char *user = getenv("DOCKET_SMTP_USER"), *pass = getenv("DOCKET_SMTP_PASSWORD");
	if (user && *user) {
		curl_easy_setopt(h, CURLOPT_USERNAME, user);
		curl_easy_setopt(h, CURLOPT_PASSWORD, pass ? pass : "");
	} else {
		curl_easy_setopt(h, CURLOPT_NETRC, (long)CURL_NETRC_OPTIONAL);
	}
	*out = s;
	return DK_OK;
}

void smtp_close(struct smtp **ps)
{
	struct smtp *s = *ps;
	if (!s)
		return;
	if (s->h)
		curl_easy_cleanup(s->h);
	free(s);
	*ps = NULL;
	if (--sessions == 0)
		curl_global_cleanup();
}

enum smtp_result smtp_send(struct smtp *s, const char *rcpt, const char *msg, size_t len, char *reply, size_t n)
{
	char to[MAIL_ADDRESS_MAX + 3];
	snprintf(to, sizeof to, "<%s>", rcpt);
	struct curl_slist *list = curl_slist_append(NULL, to);
	if (!list) {
		snprintf(reply, n, "out of memory");
		return SMTP_TEMPORARY;
	}
	s->msg = msg;
	s->len = len;
	s->pos = 0;
	s->errbuf[0] = s->reply[0] = s->verb[0] = s->refused_verb[0] = s->last[0] = '\0';
	curl_easy_setopt(s->h, CURLOPT_MAIL_RCPT, list);
	curl_easy_setopt(s->h, CURLOPT_INFILESIZE_LARGE, (curl_off_t)len);
	CURLcode rc = curl_easy_perform(s->h);
	curl_easy_setopt(s->h, CURLOPT_MAIL_RCPT, NULL);
	curl_slist_free_all(list);
	if (rc == CURLE_OK) {
		char *safe = text_neutralise(s->last[0] ? s->last : "accepted", false);
		snprintf(reply, n, "%s", safe ? safe : "accepted");
		free(safe);
		return SMTP_SENT;
	}
	/* The server's own words say more than curl's summary of them. */
	bool server = s->reply[0] != '\0';
	char *safe = text_neutralise(server ? s->reply : (s->errbuf[0] ? s->errbuf : curl_easy_strerror(rc)), false);
	snprintf(reply, n, "%s", safe ? safe : curl_easy_strerror(rc));
	free(safe);
	/* Only a refusal of this recipient or this message (the reply to RCPT, to DATA or to the
	 * message itself, which comes while DATA is the last command) is final; a 5xx to MAIL FROM
	 * or AUTH is about our settings, and trying again once they are fixed is right. */
	if (server && s->reply[0] == '5' &&
	    (strcmp(s->refused_verb, "RCPT") == 0 || strcmp(s->refused_verb, "DATA") == 0))
		return SMTP_PERMANENT;
	return SMTP_TEMPORARY;
}
