/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* json_string.h - JSON string literals for the tools' JSON output */
#ifndef __JSON_STRING_H
#define __JSON_STRING_H

#include <stddef.h>
#include <stdio.h>

/*
 * Write s as a JSON string literal: quotes, backslash escapes, \u00XX for
 * other control characters.  Reads at most max bytes, so fixed-size kernel
 * strings (comm) need no terminating NUL.
 */
void it_json_string(FILE *out, const char *s, size_t max);

#endif /* __JSON_STRING_H */
