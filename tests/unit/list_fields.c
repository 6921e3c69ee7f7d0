// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* list_fields - print the event definitions (ioastrace --fields) without
 * building the tools: for tests/unit/t-events-doc */
#include <stdio.h>
#include "ioastrace.h"

int main(void)
{
	it_print_field_list(stdout);
	return ferror(stdout) ? 1 : 0;
}
