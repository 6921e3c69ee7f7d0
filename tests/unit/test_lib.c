// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Host unit tests (cmocka) of tools/lib: what a tool says when its output
 * cannot be written (output.c) on /dev/full and on a pipe whose reader is
 * gone, each error named as the kernel gave it; and, with "errno-table",
 * it_errno_name() for -600..4200, one "NUMBER NAME" line each, which
 * tests/unit/t-lib-unit checks against Python's errno module and the
 * kernel's include/linux/errno.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include "errno_name.h"
#include "output.h"

/* Run it_output_flush() with stderr captured into buf */
static int flush_captured(struct it_output *o, char *buf, size_t len)
{
	FILE *tmp = tmpfile();
	int saved = dup(2), rc;
	size_t n;

	assert_non_null(tmp);
	fflush(stderr);
	dup2(fileno(tmp), 2);
	rc = it_output_flush(o);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	rewind(tmp);
	n = fread(buf, 1, len - 1, tmp);
	buf[n] = '\0';
	fclose(tmp);
	return rc;
}

static void test_ok(void **state)
{
	struct it_output o = { .f = fopen("/dev/null", "w"), .tool = "t" };
	char msg[256];

	(void)state;
	assert_non_null(o.f);
	fprintf(o.f, "hello\n");
	assert_int_equal(it_output_check(&o), 0);
	assert_int_equal(flush_captured(&o, msg, sizeof(msg)), 0);
	assert_string_equal(msg, "");
	fclose(o.f);
}

static void test_full(void **state)
{
	struct it_output o = { .f = fopen("/dev/full", "w"), .tool = "t" };
	char msg[256];

	(void)state;
	assert_non_null(o.f);
	fprintf(o.f, "hello\n");	/* buffered: the flush fails */
	assert_int_equal(it_output_check(&o), 0);
	assert_int_equal(flush_captured(&o, msg, sizeof(msg)), IT_EXIT_OUTPUT);
	assert_string_equal(msg, "t: cannot write output: No space left on device (ENOSPC)\n");
	/* said once; still an error */
	assert_int_equal(flush_captured(&o, msg, sizeof(msg)), IT_EXIT_OUTPUT);
	assert_string_equal(msg, "");
	fclose(o.f);
}

/* A write that fails inside fprintf (more than the buffer): its errno */
static void test_full_midway(void **state)
{
	struct it_output o = { .f = fopen("/dev/full", "w"), .tool = "t" };
	static char big[3 * 4096];
	char msg[256];

	(void)state;
	assert_non_null(o.f);
	setvbuf(o.f, NULL, _IOFBF, 4096);
	memset(big, 'x', sizeof(big) - 1);
	fputs(big, o.f);
	errno = 0;		/* what else may do to it before the check */
	assert_int_equal(it_output_check(&o), EIO);	/* unknown: EIO */
	o.err = 0;
	fputs(big, o.f);
	assert_int_equal(it_output_check(&o), ENOSPC);
	assert_int_equal(flush_captured(&o, msg, sizeof(msg)), IT_EXIT_OUTPUT);
	assert_string_equal(msg, "t: cannot write output: No space left on device (ENOSPC)\n");
	fclose(o.f);
}

static void test_pipe(void **state)
{
	struct it_output o = { .tool = "iommutop" };
	char msg[256];
	int fds[2];

	(void)state;
	signal(SIGPIPE, SIG_IGN);	/* as the tools do */
	assert_int_equal(pipe(fds), 0);
	close(fds[0]);			/* the reader has gone */
	o.f = fdopen(fds[1], "w");
	assert_non_null(o.f);
	fprintf(o.f, "{}\n");
	assert_int_equal(flush_captured(&o, msg, sizeof(msg)), IT_EXIT_OUTPUT);
	assert_string_equal(msg, "iommutop: cannot write output: Broken pipe (EPIPE)\n");
	fclose(o.f);
}

static void test_errno_names(void **state)
{
	(void)state;
	assert_string_equal(it_errno_name(-ENOENT), "ENOENT");
	assert_string_equal(it_errno_name(EBUSY), "EBUSY");
	assert_string_equal(it_errno_name(-EOPNOTSUPP), "EOPNOTSUPP");
	assert_string_equal(it_errno_name(-524), "ENOTSUPP");
	assert_string_equal(it_errno_name(-517), "EPROBE_DEFER");
	assert_null(it_errno_name(0));
	assert_null(it_errno_name(-520));	/* a hole in linux/errno.h */
	assert_null(it_errno_name(-4095));
	assert_null(it_errno_name(-2147483647 - 1));
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ok),
		cmocka_unit_test(test_full),
		cmocka_unit_test(test_full_midway),
		cmocka_unit_test(test_pipe),
		cmocka_unit_test(test_errno_names),
	};
	int e;

	if (argc > 1 && !strcmp(argv[1], "errno-table")) {
		for (e = -600; e <= 4200; e++) {
			const char *n = it_errno_name(e);

			printf("%d %s\n", e, n ? n : "-");
		}
		return 0;
	}
	return cmocka_run_group_tests(tests, NULL, NULL);
}
