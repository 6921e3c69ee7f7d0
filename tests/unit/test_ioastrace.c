// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Host unit tests of ioastrace's user-space parts (cmocka): option parsing,
 * event and errno names, JSON escaping, text and JSON formatting.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <stdint.h>
#include "ioastrace.h"
#include "json_string.h"

/* Run fn(out) into a string (caller frees) */
#define CAPTURE(buf, stmt)						\
	do {								\
		size_t _len;						\
		FILE *out = open_memstream(&(buf), &_len);		\
		stmt;							\
		fclose(out);						\
	} while (0)

static int parse(struct ioastrace_args *a, bool *done, ...)
{
	char *argv[32] = { "ioastrace" };
	int argc = 1, ret;
	va_list ap;
	FILE *saved = stderr;

	va_start(ap, done);
	while ((argv[argc] = va_arg(ap, char *)))
		assert_true(++argc < 32);
	va_end(ap);
	stderr = fopen("/dev/null", "w");	/* keep error messages quiet */
	ret = ioastrace_parse_args(argc, argv, a, done);
	fclose(stderr);
	stderr = saved;
	return ret;
}

static void test_args_defaults(void **state)
{
	struct ioastrace_args a;
	bool done;

	(void)state;
	assert_int_equal(parse(&a, &done, NULL), 0);
	assert_false(done);
	assert_int_equal(a.pid, 0);
	assert_null(a.cgroup);
	assert_int_equal(a.events, (1ULL << IT_NR_EVENTS) - 1);
	assert_int_equal(a.buffer_mb, 16);
	assert_false(a.json);
	assert_false(a.failed);
}

static void test_args_all(void **state)
{
	struct ioastrace_args a;
	bool done;

	(void)state;
	assert_int_equal(parse(&a, &done, "-p", "42", "-c", "/sys/fs/cgroup/x",
			       "--ioas", "3", "--dev", "7", "-x", "-T", "-j",
			       "-d", "5", "-b", "8", "-v",
			       "-e", "ioas_map,iommufd_ioas_unmap", NULL), 0);
	assert_false(done);
	assert_int_equal(a.pid, 42);
	assert_string_equal(a.cgroup, "/sys/fs/cgroup/x");
	assert_int_equal(a.ioas, 3);
	assert_int_equal(a.dev, 7);
	assert_true(a.failed && a.timestamp && a.json && a.verbose);
	assert_int_equal(a.duration, 5);
	assert_int_equal(a.buffer_mb, 8);
	assert_int_equal(a.events, (1ULL << IT_IOAS_MAP) | (1ULL << IT_IOAS_UNMAP));
}

static void test_args_errors(void **state)
{
	struct ioastrace_args a;
	bool done;

	(void)state;
	/* each is a usage error: exit status 2, nothing to run */
	assert_int_equal(parse(&a, &done, "-p", "abc", NULL), 2);
	assert_true(done);
	assert_int_equal(parse(&a, &done, "-p", "0", NULL), 2);
	assert_int_equal(parse(&a, &done, "-p", "-5", NULL), 2);
	assert_int_equal(parse(&a, &done, "-p", "12x", NULL), 2);
	assert_int_equal(parse(&a, &done, "-p", "99999999999", NULL), 2);
	assert_int_equal(parse(&a, &done, "--ioas", "", NULL), 2);
	assert_int_equal(parse(&a, &done, "-d", "0", NULL), 2);
	assert_int_equal(parse(&a, &done, "-b", "3", NULL), 2);
	assert_int_equal(parse(&a, &done, "-e", "no_such_event", NULL), 2);
	assert_int_equal(parse(&a, &done, "-e", "ioas_map,bogus", NULL), 2);
	assert_int_equal(parse(&a, &done, "-e", ",", NULL), 2);
	assert_int_equal(parse(&a, &done, "--bogus", NULL), 2);
	assert_int_equal(parse(&a, &done, "extra", NULL), 2);
}

static void test_args_help(void **state)
{
	struct ioastrace_args a;
	FILE *saved = stdout;
	bool done;

	(void)state;
	stdout = fopen("/dev/null", "w");
	assert_int_equal(parse(&a, &done, "-h", NULL), 0);
	fclose(stdout);
	stdout = saved;
	assert_true(done);
}

static void test_event_names(void **state)
{
	int i;

	(void)state;
	assert_string_equal(it_event_name(IT_IOAS_MAP), "iommufd_ioas_map");
	assert_string_equal(it_event_system(IT_VTD_ENFORCE_CC), "intel_iommu");
	assert_int_equal(it_event_lookup("iommufd_ioas_map"), IT_IOAS_MAP);
	assert_int_equal(it_event_lookup("ioas_map"), IT_IOAS_MAP);
	assert_int_equal(it_event_lookup("dmar_pasid_setup"), IT_VTD_PASID_SETUP);
	assert_int_equal(it_event_lookup("iommufd_pasid_setup"), -1);
	assert_int_equal(it_event_lookup(""), -1);
	for (i = 0; i < IT_NR_EVENTS; i++)
		assert_int_equal(it_event_lookup(it_event_name(i)), i);
	assert_string_equal(it_event_name(IT_NR_EVENTS), "unknown");
}

static void test_json_string(void **state)
{
	char *buf = NULL;

	(void)state;
	CAPTURE(buf, it_json_string(out, "a\"b\\c\n\t\x01\x7f" "d", SIZE_MAX));
	assert_string_equal(buf, "\"a\\\"b\\\\c\\n\\t\\u0001\\u007fd\"");
	free(buf);
	CAPTURE(buf, it_json_string(out, "", SIZE_MAX));
	assert_string_equal(buf, "\"\"");
	free(buf);
	CAPTURE(buf, it_json_string(out, "abc", 2));	/* bounded */
	assert_string_equal(buf, "\"ab\"");
	free(buf);
}

/* An event of tracepoint NAME, its header sized for it */
#define EVENT(name, ...)						\
	((struct it_event){ .h = { .type = IT_EV_##name,		\
				   .size = sizeof(struct it_##name) },	\
			    .u.name = { __VA_ARGS__ } })

static struct it_event map_event(void)
{
	struct it_event e = EVENT(iommufd_ioas_map, .ioas_id = 3,
				  .iova = 0x1000000, .length = 8192,
				  .user_va = 0x7f0000001000, .flags = 7,
				  .compat = 1);

	e.h.ts_ns = 5000000000ULL;
	e.h.lat_ns = 12345;
	e.h.pid = 100;
	e.h.tid = 101;
	e.h.ret = -ENOENT;
	memcpy(e.h.comm, "qemu\"x\n", 8);
	return e;
}

static void test_json_record(void **state)
{
	struct it_event e = map_event();
	struct it_clock clk = { 0 };
	char *buf = NULL;

	(void)state;
	CAPTURE(buf, it_print_json(out, &e, &clk));
	assert_string_equal(buf,
		"{\"ts_ns\":5000000000,\"event\":\"iommufd_ioas_map\","
		"\"system\":\"iommufd\",\"pid\":100,\"tid\":101,"
		"\"comm\":\"qemu\\\"x\\n\",\"ret\":-2,\"errno\":\"ENOENT\","
		"\"lat_ns\":12345,\"source\":\"tracepoint\","
		"\"ioas_id\":3,\"iova\":16777216,"
		"\"length\":8192,\"user_va\":139637976731648,\"flags\":7,"
		"\"compat\":1}\n");
	free(buf);
}

static void test_json_comm_full_length(void **state)
{
	struct it_event e = map_event();
	struct it_clock clk = { 0 };
	char *buf = NULL;

	(void)state;
	memset(e.h.comm, 'x', sizeof(e.h.comm));	/* no NUL: must not overrun */
	e.h.ret = 0;
	CAPTURE(buf, it_print_json(out, &e, &clk));
	assert_non_null(strstr(buf, "\"comm\":\"xxxxxxxxxxxxxxxx\",\"ret\":0,\"errno\":null"));
	free(buf);
}

static void test_text_record(void **state)
{
	struct it_event e = map_event();
	struct it_clock clk = { 0 };
	char *buf = NULL;

	(void)state;
	CAPTURE(buf, it_print_text(out, &e, &clk));
	assert_non_null(strstr(buf, "0.000000"));
	assert_non_null(strstr(buf, "iommufd_ioas_map"));
	assert_non_null(strstr(buf, "12.3"));		/* latency in us */
	assert_non_null(strstr(buf, "ENOENT"));
	assert_non_null(strstr(buf, " ioas=3 iova=0x1000000 length=8192 user_va=0x7f0000001000 flags=0x7 compat=1\n"));
	free(buf);
	e.h.ts_ns += 1500000;				/* relative time */
	e.h.lat_ns = 0;
	CAPTURE(buf, it_print_text(out, &e, &clk));
	assert_non_null(strstr(buf, "0.001500"));
	free(buf);
}

static void test_text_names(void **state)
{
	struct it_event e = EVENT(dmar_enforce_cc, .reason = 3);
	struct it_clock clk = { 0 };
	char *buf = NULL;

	(void)state;
	CAPTURE(buf, it_print_text(out, &e, &clk));
	assert_non_null(strstr(buf, " iommu=- did=0 enforced=0 reason=has_mappings\n"));
	free(buf);
	e = EVENT(iommufd_device_bind, .dev_id = 1);
	memset(e.u.iommufd_device_bind.device, 'n',
	       sizeof(e.u.iommufd_device_bind.device));	/* no NUL */
	CAPTURE(buf, it_print_json(out, &e, &clk));
	assert_non_null(strstr(buf, "\"device\":\"nnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnn\""));
	free(buf);
	CAPTURE(buf, it_print_text(out, &e, &clk));
	assert_non_null(strstr(buf, " device=nnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnn cc_capable=0\n"));
	free(buf);
	/* a value out of the kernel enum's range */
	e = EVENT(dmar_domain_attach, .type = 9, .reason = 200);
	CAPTURE(buf, it_print_json(out, &e, &clk));
	assert_non_null(strstr(buf, "\"type\":\"unknown\",\"did\":0,\"reason\":\"unknown\"}\n"));
	free(buf);
}

/* Count the occurrences of needle in haystack */
static int count_of(const char *haystack, const char *needle)
{
	int n = 0;

	while ((haystack = strstr(haystack, needle))) {
		n++;
		haystack++;
	}
	return n;
}

/*
 * The iommufd v2 fields, under the tracepoints' own names
 * (drivers/iommu/iommufd/trace.h), and no key twice in an object.
 */
static void test_v2_fields(void **state)
{
	struct it_event e = EVENT(iommufd_device_attach, .dev_id = 1,
				  .hwpt_id = 3, .ioas_id = 2, .enforce_cc = 1,
				  .group_devices = 2);
	struct it_clock clk = { 0 };
	char *buf = NULL;

	(void)state;
	e.h.pid = 7;
	e.h.ret = -EINVAL;
	CAPTURE(buf, it_print_json(out, &e, &clk));
	assert_non_null(strstr(buf, ",\"dev_id\":1,\"hwpt_id\":3,\"ioas_id\":2,"
				    "\"pt_id\":0,\"enforce_cc\":1,"
				    "\"group_devices\":2}\n"));
	free(buf);
	CAPTURE(buf, it_print_text(out, &e, &clk));
	assert_non_null(strstr(buf, "EINVAL     dev=1 hwpt=3 ioas=2 pt=0 enforce_cc=1 group_devices=2\n"));
	free(buf);

	e = EVENT(iommufd_hwpt_alloc, .hwpt_id = 5, .pt_id = 4, .ioas_id = 2,
		  .dev_id = 1, .nested = 1);
	CAPTURE(buf, it_print_json(out, &e, &clk));
	assert_non_null(strstr(buf, ",\"hwpt_id\":5,\"pt_id\":4,\"ioas_id\":2,"
				    "\"dev_id\":1,\"flags\":0,\"data_type\":0,"
				    "\"nested\":1,\"auto_domain\":0,"
				    "\"enforce_cc\":0}\n"));
	assert_null(strstr(buf, "parent_id"));
	free(buf);

	e = EVENT(iommufd_device_bind, .dev_id = 1, .cc_capable = 1);
	CAPTURE(buf, it_print_json(out, &e, &clk));
	assert_non_null(strstr(buf, ",\"cc_capable\":1}\n"));
	free(buf);

	/* the pinned memory's process is not the event's pid */
	e = EVENT(iommufd_pages_pin, .owner_pid = 9, .npages = 8,
		  .locked = 4095, .limit = 4096, .account_mode = 1);
	e.h.pid = 7;
	e.h.ret = -ENOMEM;
	CAPTURE(buf, it_print_json(out, &e, &clk));
	assert_int_equal(count_of(buf, "\"pid\":"), 1);
	assert_non_null(strstr(buf, "\"pid\":7,"));
	assert_non_null(strstr(buf, ",\"npages\":8,"));
	assert_non_null(strstr(buf, ",\"account_mode\":\"user\",\"locked\":4095,"
				    "\"limit\":4096,\"uid\":0,\"owner_pid\":9}\n"));
	free(buf);

	e = EVENT(iommufd_access_pin, .access_id = 6, .unpin_ioas_id = 2);
	e.h.ret = -ENOENT;
	CAPTURE(buf, it_print_json(out, &e, &clk));
	assert_non_null(strstr(buf, ",\"access_id\":6,\"ioas_id\":0,"
				    "\"unpin_ioas_id\":2,"));
	free(buf);

	e = EVENT(iommufd_fault_respond, .fault_id = 4, .code = 1,
		  .auto_response = 1);
	CAPTURE(buf, it_print_json(out, &e, &clk));
	assert_non_null(strstr(buf, ",\"fault_id\":4,\"dev_id\":0,\"grpid\":0,"
				    "\"cookie\":0,\"code\":\"invalid\","
				    "\"auto_response\":1}\n"));
	free(buf);
	assert_int_equal(it_event_lookup("hwpt_enforce_cc"), -1);

	/* a signed field */
	e = EVENT(iommufd_group_setup_msi, .hwpt_id = 2, .group_id = -1,
		  .sw_msi_start = 0x8000000);
	CAPTURE(buf, it_print_text(out, &e, &clk));
	assert_non_null(strstr(buf, " hwpt=2 ioas=0 group=-1 sw_msi_start=0x8000000 new_cookie=0\n"));
	free(buf);
}

/* A probe-mode record: fields it cannot know print as - and null */
static void test_missing_fields(void **state)
{
	struct it_event e = EVENT(iommufd_hwpt_alloc, .hwpt_id = 5, .pt_id = 4,
				  .dev_id = 1);
	struct it_clock clk = { 0 };
	char *buf = NULL;

	(void)state;
	e.h.source = IT_SRC_PROBE;
	e.h.missing = 1U << IT_FI_iommufd_hwpt_alloc_ioas_id |
		      1U << IT_FI_iommufd_hwpt_alloc_enforce_cc;
	CAPTURE(buf, it_print_json(out, &e, &clk));
	assert_non_null(strstr(buf, "\"source\":\"probe\",\"hwpt_id\":5,\"pt_id\":4,"
				    "\"ioas_id\":null,\"dev_id\":1,"));
	assert_non_null(strstr(buf, "\"enforce_cc\":null}\n"));
	free(buf);
	CAPTURE(buf, it_print_text(out, &e, &clk));
	assert_non_null(strstr(buf, " hwpt=5 pt=4 ioas=- dev=1 "));
	assert_non_null(strstr(buf, " enforce_cc=-\n"));
	free(buf);
}

/* A VFIO type1 container's record: "source":"type1" in JSON, and in text
 * a trailing source=type1 (its ioas is ioastrace's number, not iommufd's) */
static void test_type1_source(void **state)
{
	struct it_event e = EVENT(iommufd_ioas_unmap, .ioas_id = 1,
				  .iova = 0x100000, .length = 0x200000,
				  .unmapped = 12288, .compat = 1);
	struct it_clock clk = { 0 };
	char *buf = NULL;

	(void)state;
	e.h.source = IT_SRC_TYPE1;
	CAPTURE(buf, it_print_json(out, &e, &clk));
	assert_non_null(strstr(buf, "\"source\":\"type1\",\"ioas_id\":1,\"iova\":1048576,"
				    "\"length\":2097152,\"unmapped\":12288,\"compat\":1}\n"));
	free(buf);
	CAPTURE(buf, it_print_text(out, &e, &clk));
	assert_non_null(strstr(buf, " ioas=1 iova=0x100000 length=2097152 unmapped=12288 compat=1 source=type1\n"));
	free(buf);
	e.h.source = IT_SRC_PROBE;	/* the others: no such word */
	CAPTURE(buf, it_print_text(out, &e, &clk));
	assert_null(strstr(buf, "source="));
	free(buf);
}

/* A record shorter than its event's struct (another build): the fields it
 * does not hold are not printed, nothing is read past it */
static void test_short_record(void **state)
{
	struct it_event e = map_event();
	struct it_clock clk = { 0 };
	char *buf = NULL;

	(void)state;
	e.h.size = offsetof(struct it_iommufd_ioas_map, length);
	CAPTURE(buf, it_print_json(out, &e, &clk));
	assert_non_null(strstr(buf, "\"ioas_id\":3,\"iova\":16777216}\n"));
	free(buf);
}

/* Every field of every event is inside its struct, with a known kind, and
 * no event has a key twice */
static void test_field_table(void **state)
{
	static const size_t sizes[IT_NR_EVENTS] = {
#define SIZE(e, name, sys)	[IT_##e] = sizeof(struct it_##name),
		IOMMUTRACE_EVENTS(SIZE)
#undef SIZE
	};
	const struct it_field *f, *g;
	int i;

	(void)state;
	for (i = 0; i < IT_NR_EVENTS; i++) {
		f = it_event_fields(i);
		assert_non_null(f);
		assert_non_null(f->name);
		for (; f->name; f++) {
			assert_true(f->offset + f->size <= sizes[i]);
			assert_true(f->kind < IT_K_NR);
			assert_string_not_equal(it_kind_name(f->kind), "unknown");
			for (g = f + 1; g->name; g++)
				assert_string_not_equal(f->name, g->name);
		}
	}
	assert_null(it_event_fields(IT_NR_EVENTS));
	assert_null(it_event_fields(-1));
}

/* A DMA fault after an unmap, and one on an address never mapped */
static void test_dma_fault(void **state)
{
	struct it_fault_record r = {
		.h = { .ts_ns = 3000000000ULL, .type = IT_VTD_DMA_FAULT,
		       .size = sizeof(struct it_dmar_fault) },
		.f = { .addr = 0x100000, .pasid = (__u32)-1, .did = 8,
		       .reason = 6, .read = 1, .source_id = 0x30 },
		.hist = { .dev_id = 1, .ioas_id = 2, .hwpt_id = 3,
			  .hist_ops = 2, .map_state = IT_HIST_FOUND,
			  .unmap_state = IT_HIST_FOUND,
			  .last_map = { .ts_ns = 2000000000ULL,
					.iova = 0x100000, .length = 0x2000,
					.pid = 42, .kind = IT_HIST_MAP },
			  .last_unmap = { .ts_ns = 2900000000ULL,
					  .iova = 0x100000, .length = 0x2000,
					  .pid = 42, .kind = IT_HIST_UNMAP } },
	};
	const struct it_event *e = (const struct it_event *)&r;
	struct it_clock clk = { 0 };
	char *buf = NULL;

	(void)state;
	strcpy(r.f.device, "0000:00:06.0");
	strcpy(r.h.comm, "dmar0");
	strcpy(r.f.iommu, "dmar0");
	strcpy(r.f.reason_name, "PTE Read access is not set");
	strcpy(r.hist.last_map.comm, "qemu");
	strcpy(r.hist.last_unmap.comm, "qemu");
	CAPTURE(buf, it_print_text(out, e, &clk));
	assert_non_null(strstr(buf, " device=0000:00:06.0 dev=1 ioas=2 hwpt=3 addr=0x100000 read reason=0x06 \"PTE Read access is not set\" did=8 pasid=none"
				    " last_map=\"0x100000+0x2000 map by 42/qemu 1.000000 s before\""
				    " last_unmap=\"0x100000+0x2000 unmap by 42/qemu 0.100000 s before\"\n"));
	free(buf);
	CAPTURE(buf, it_print_json(out, e, &clk));
	assert_non_null(strstr(buf, ",\"device\":\"0000:00:06.0\",\"dev_id\":1,\"ioas_id\":2,\"hwpt_id\":3,"
				    "\"iommu\":\"dmar0\",\"segment\":0,\"source_id\":48,\"addr\":1048576,"
				    "\"access\":\"read\",\"reason\":6,"
				    "\"reason_name\":\"PTE Read access is not set\",\"did\":8,\"pasid\":null,"
				    "\"history\":{\"kept\":64,\"ops_recorded\":2,"
				    "\"last_map\":{\"state\":\"found\",\"op\":\"map\",\"ts_ns\":2000000000,"
				    "\"age_ns\":1000000000,\"pid\":42,\"comm\":\"qemu\",\"iova\":1048576,"
				    "\"length\":8192},"));
	free(buf);

	r.f.addr = 0x300000;
	r.f.did = -1;
	r.hist.map_state = IT_HIST_NEVER;
	r.hist.unmap_state = IT_HIST_WRAPPED;
	CAPTURE(buf, it_print_text(out, e, &clk));
	assert_non_null(strstr(buf, " did=none pasid=none last_map=\"never mapped while traced\""
				    " last_unmap=\"not in the last 64 operations on IOAS 2\"\n"));
	free(buf);
	CAPTURE(buf, it_print_json(out, e, &clk));
	assert_non_null(strstr(buf, "\"did\":null,\"pasid\":null,\"history\":{\"kept\":64,\"ops_recorded\":2,"
				    "\"last_map\":{\"state\":\"never_while_traced\"},"
				    "\"last_unmap\":{\"state\":\"not_in_last_ops\"}}}\n"));
	free(buf);
	r.hist.map_state = r.hist.unmap_state = IT_HIST_NO_IOAS;
	CAPTURE(buf, it_print_text(out, e, &clk));
	assert_non_null(strstr(buf, "last_map=\"IOAS unknown: device attached before tracing\""));
	free(buf);
	assert_int_equal(it_event_lookup("dmar_fault"), IT_VTD_DMA_FAULT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_args_defaults),
		cmocka_unit_test(test_args_all),
		cmocka_unit_test(test_args_errors),
		cmocka_unit_test(test_args_help),
		cmocka_unit_test(test_event_names),
		cmocka_unit_test(test_json_string),
		cmocka_unit_test(test_json_record),
		cmocka_unit_test(test_json_comm_full_length),
		cmocka_unit_test(test_text_record),
		cmocka_unit_test(test_text_names),
		cmocka_unit_test(test_v2_fields),
		cmocka_unit_test(test_short_record),
		cmocka_unit_test(test_missing_fields),
		cmocka_unit_test(test_type1_source),
		cmocka_unit_test(test_field_table),
		cmocka_unit_test(test_dma_fault),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
