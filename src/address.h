/* address.h: when two e-mail addresses reach the same mailbox, and when one is at a domain.
 *
 * The gag depends on it: while an order is in force nothing may reach any of the customer's
 * addresses, so "the customer's address" must not be escaped by writing it another way. Two
 * addresses are the same mailbox when their keys are equal: the domain in lower case without a
 * trailing dot, the local part in lower case with any "+tag" cut off and the dots removed (mail
 * providers deliver "A.Smith+x@Example.COM." to asmith@example.com). Erring this way can only
 * hold a letter back, never let one through. */
#ifndef DOCKET_ADDRESS_H
#define DOCKET_ADDRESS_H

#include <stdbool.h>
#include <stddef.h>

/* The key of address a (the part after the last '@' is its domain) into out; false when a has
 * no '@' with something on both sides, or the key does not fit. */
bool address_key(const char *a, char *out, size_t n);

/* Whether address a is at the domain of address b or at one of its subdomains
 * (it@mail.acme.example is at the domain of legal@acme.example). */
bool address_at_domain_of(const char *a, const char *b);

/* Whether mail to r reaches address a: the same mailbox, or, when whole_domain, any address at
 * a's domain or below it. */
bool address_reaches(const char *r, const char *a, bool whole_domain);

/* Makes address_reaches() available to SQL as docket_address_reaches(r, a, whole_domain) (the
 * triggers of schema/0008 and the queries of obligation.c); db is a sqlite3 handle. */
int address_register(void *db);

#endif
