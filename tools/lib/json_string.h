/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* json_string.h - JSON string literals for the tools' JSON output */
#ifndef __JSON_STRING_H
#define __JSON_STRING_H

#include <stddef.h>
#include <stdio.h>

/*
 * Write s as a JSON string literal: quotes, backslash escapes, \u00XX for
 * other control characters, and always valid UTF-8: a byte that does not
 * start a valid UTF-8 sequence (a comm cut in the middle of a character)
 * is written as \ufffd.  Reads at most max bytes, so fixed-size kernel
 * strings (comm) need no terminating NUL.
 */
void it_json_string(FILE *out, const char *s, size_t max);

/*
 * Length of the valid UTF-8 sequence at s (at most avail bytes): 1 to 4,
 * or 0 if s does not start one (stray continuation byte, overlong form,
 * surrogate, beyond U+10FFFF, truncated).
 */
size_t it_utf8_seq(const char *s, size_t avail);

#endif /* __JSON_STRING_H */
