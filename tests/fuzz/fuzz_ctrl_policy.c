// SPDX-License-Identifier: MIT
/*
 * vsx-controller's policy parser (lib/ctrl_policy.c) on arbitrary bytes. Checked: an error
 * always says "FILE:LINE: ", a failed parse leaves the previous policy untouched, and every
 * VM resolves to settings whose text is bounded and whose traffic match (if any) parses.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctrl_policy.h"
#include "rule.h"
#include "rule_text.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ctrl_policy p;
	char err[1024] = "";
	int ret;

	ctrl_policy_init(&p);
	p.flow_priority = 77; /* a marker: a failed parse must not change it */
	ret = ctrl_policy_parse((const char *)data, size, "f", &p, err, sizeof(err));
	if (ret) {
		if (strncmp(err, "f:", 2) || p.flow_priority != 77 || p.n_vms || p.n_tenants)
			abort();
		return 0;
	}
	for (size_t i = 0; i <= p.n_vms; i++) {
		const char *vm = i < p.n_vms ? p.vms[i].name : "unnamed";
		const char *tenant = p.n_tenants ? p.tenants[i % p.n_tenants].name : "";
		struct ctrl_policy_settings s;
		char text[1024];

		ctrl_policy_resolve(&p, vm, tenant, &s);
		ctrl_policy_settings_text(&s, text, sizeof(text));
		if (strlen(text) >= sizeof(text))
			abort();
		if (s.traffic[0]) {
			char rule[CTRL_POLICY_TRAFFIC_LEN + 64];
			struct vsx_rule r;

			snprintf(rule, sizeof(rule), "%s,dl_dst=02:00:00:00:00:01 actions=set_fcf:3/1",
				 s.traffic);
			if (vsx_rule_parse(rule, &r, NULL, 0))
				abort();
		}
	}
	ctrl_policy_free(&p);
	return 0;
}
