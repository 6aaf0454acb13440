// SPDX-License-Identifier: MIT
/*
 * The cluster inventory: hosts by datapath id, VMs by name (a name reported by another host
 * is the VM moving there), each VM's resolved policy, its receive core when the controller
 * picks it, and the two rules it implies (ctrl.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctrl.h"
#include "evloop.h"
#include "log.h"
#include "ofp_rule.h"
#include "rule.h"
#include "rule_text.h"
#include "vsx/fcf.h"
#include "vsx/ofp_wire.h"

static __u64 fnv1a(const void *p, size_t n, __u64 h)
{
	const __u8 *b = p;

	for (size_t i = 0; i < n; i++) {
		h ^= b[i];
		h *= 0x100000001b3ull;
	}
	return h;
}

#define FNV_INIT 0xcbf29ce484222325ull

struct ctrl_host *ctrl_host_get(struct ctrl *c, __u64 dpid)
{
	struct ctrl_host *h;

	for (size_t i = 0; i < c->n_hosts; i++)
		if (c->hosts[i]->dpid == dpid)
			return c->hosts[i];
	if (c->n_hosts == c->cap_hosts) {
		size_t cap = c->cap_hosts ? c->cap_hosts * 2 : 16;
		struct ctrl_host **v = realloc(c->hosts, cap * sizeof(*v));

		if (!v)
			return NULL;
		c->hosts = v;
		c->cap_hosts = cap;
	}
	h = calloc(1, sizeof(*h));
	if (!h)
		return NULL;
	h->dpid = dpid;
	c->hosts[c->n_hosts++] = h;
	return h;
}

struct ctrl_vm *ctrl_vm_find(struct ctrl *c, const char *name)
{
	for (size_t i = 0; i < c->n_vms; i++)
		if (!strcmp(c->vms[i]->name, name))
			return c->vms[i];
	return NULL;
}

static void rule_clear(struct ctrl_rule *r, const char *why)
{
	r->valid = false;
	r->cookie = 0;
	r->text[0] = 0;
	snprintf(r->why, sizeof(r->why), "%s", why);
}

/* Parses text into the wanted rule and its FLOW_MOD ADD. */
static void rule_build(struct ctrl *c, struct ctrl_vm *vm, struct ctrl_rule *r, __u32 slot,
		       const char *text)
{
	struct vsx_rule rule;
	struct ofp_rule_repr repr;
	struct ofp_msg m = {.version = OFP13_VERSION, .kind = OFPK_FLOW_MOD};
	char err[256];
	__u64 h;

	if (vsx_rule_parse(text, &rule, err, sizeof(err))) {
		log_rl(VSX_LOG_WARN, "vm %s: rule '%s' refused: %s", vm->name, text, err);
		rule_clear(r, err);
		return;
	}
	rule.priority = c->policy.flow_priority;
	h = fnv1a(text, strlen(text), FNV_INIT);
	h = fnv1a(&rule.priority, sizeof(rule.priority), h);
	rule.cookie = CTRL_COOKIE_TAG << CTRL_COOKIE_SHIFT | (__u64)slot << 24 | (h & 0xffffff);
	if (ofp_rule_to_ofp(OFP13_VERSION, &rule, &repr)) {
		rule_clear(r, "not expressible in OpenFlow 1.3");
		return;
	}
	m.flow_mod.cookie = rule.cookie;
	m.flow_mod.command = OFPFC_ADD;
	m.flow_mod.priority = rule.priority;
	m.flow_mod.buffer_id = OFP_NO_BUFFER;
	m.flow_mod.out_port = OFPP13_ANY;
	m.flow_mod.out_group = OFPG13_ANY;
	m.flow_mod.match = repr.match;
	m.flow_mod.instructions = &repr.inst;
	m.flow_mod.n_instructions = repr.n_instructions;
	r->wire.len = 0;
	r->wire.oom = false;
	if (ofp_encode(&m, &r->wire, err, sizeof(err))) {
		rule_clear(r, err);
		return;
	}
	r->valid = true;
	r->cookie = rule.cookie;
	snprintf(r->text, sizeof(r->text), "%s", text);
	r->why[0] = 0;
}

static bool cpu_isset(const __u64 *set, unsigned int i)
{
	return set[i / 64] >> (i % 64) & 1;
}

/* The cores VMs are pinned to on h, the VM's own included: VS-extend's point is to keep a
 * flow's receive work off the cores where VMs run, its own VM's first of all. */
static void pinned_cores(struct ctrl *c, struct ctrl_host *h, __u64 out[VSX_EXP_CPU_WORDS])
{
	memset(out, 0, VSX_EXP_CPU_WORDS * sizeof(*out));
	for (size_t i = 0; i < c->n_vms; i++) {
		const struct ctrl_vm *v = c->vms[i];

		if (v->host != h || !(v->info.flags & VSX_VMF_PINNED))
			continue;
		for (int w = 0; w < VSX_EXP_CPU_WORDS; w++)
			out[w] |= v->info.cpus[w];
	}
}

/* The core for vm on its host: its current one while it still qualifies, else the candidate
 * with the fewest controller-placed VMs (not pinned to any VM if such a core is left),
 * lowest number first. -1 when the host has not said how many cores it has. */
static int pick_core(struct ctrl *c, struct ctrl_vm *vm, int hint)
{
	struct ctrl_host *h = vm->host;
	__u64 pinned[VSX_EXP_CPU_WORDS];
	unsigned int n = h->have_info ? h->info.n_cores : 0;
	int best = -1, pass;

	if (!n)
		return -1;
	if (n > CTRL_MAX_CORES)
		n = CTRL_MAX_CORES;
	pinned_cores(c, h, pinned);
	for (pass = 0; pass < 2 && best < 0; pass++) {
		for (unsigned int i = 0; i < n; i++) {
			if (vm->pol.cores == CTRL_CORES_LIST && !cpu_isset(vm->pol.core_set, i))
				continue;
			if (pass == 0 && cpu_isset(pinned, i))
				continue;
			if (hint == (int)i)
				return (int)i;
			if (best < 0 || h->core_use[i] < h->core_use[best])
				best = (int)i;
		}
	}
	return best;
}

static void core_release(struct ctrl_vm *vm)
{
	if (vm->core >= 0 && vm->host && vm->host->core_use[vm->core])
		vm->host->core_use[vm->core]--;
	vm->core = -1;
}

static void mac_text(const __u8 *m, char *buf, size_t len)
{
	snprintf(buf, len, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5]);
}

void ctrl_vm_refresh(struct ctrl *c, struct ctrl_vm *vm)
{
	static const __u8 zero_mac[6];
	const struct vsx_vm_port_info *in = &vm->info;
	char text[1024], vni[32] = "", mac[24];
	int core;

	ctrl_policy_resolve(&c->policy, vm->name, vm->tenant, &vm->pol);
	if (in->flags & VSX_VMF_HAS_VNI)
		snprintf(vni, sizeof(vni), "vni=%u,", in->vni);
	if (vm->pol.steer == CTRL_STEER_NONE) {
		core_release(vm);
		rule_clear(&vm->steer, "steer=none");
		rule_clear(&vm->fcf, "steer=none");
		return;
	}
	if (!(in->flags & VSX_VMF_PORT_UP)) {
		/* Configured but not running (no port, or the port is down): nothing to steer. */
		core_release(vm);
		rule_clear(&vm->steer, "port not up");
		rule_clear(&vm->fcf, "port not up");
		return;
	}
	if (!in->vm_id || in->vm_id > VSX_FCF_MAX_VM_ID) {
		core_release(vm);
		rule_clear(&vm->steer, "no VM ID");
		rule_clear(&vm->fcf, "no VM ID");
		return;
	}
	/* Receiver: steer by VM ID. */
	if (vm->pol.cores == CTRL_CORES_AUTO) {
		core_release(vm);
		snprintf(text, sizeof(text), "%svm_id=%u actions=irq:auto", vni, in->vm_id);
		rule_build(c, vm, &vm->steer, vm->slot_steer, text);
	} else {
		int hint = vm->core;

		core_release(vm);
		core = pick_core(c, vm, hint);
		if (core < 0) {
			rule_clear(&vm->steer, vm->host->have_info ? "no candidate core on the host"
								   : "host has not reported its cores");
			goto fcf;
		}
		vm->core = core;
		vm->host->core_use[core]++;
		snprintf(text, sizeof(text), "%svm_id=%u actions=irq:%d", vni, in->vm_id, core);
		rule_build(c, vm, &vm->steer, vm->slot_steer, text);
	}
fcf:
	/* Senders: mark the traffic to its MAC with its VM ID. */
	if (!memcmp(in->hw_addr, zero_mac, 6)) {
		rule_clear(&vm->fcf, "no MAC reported");
		return;
	}
	mac_text(in->hw_addr, mac, sizeof(mac));
	snprintf(text, sizeof(text), "%s%s%sdl_dst=%s actions=set_fcf:%u%s", vm->pol.traffic,
		 vm->pol.traffic[0] ? "," : "", vni, mac, in->vm_id, vm->pol.priority ? "/1" : "");
	rule_build(c, vm, &vm->fcf, vm->slot_fcf, text);
}

static void vm_free(struct ctrl_vm *vm)
{
	ofp_buf_free(&vm->steer.wire);
	ofp_buf_free(&vm->fcf.wire);
	free(vm);
}

static __u32 slot_of(int kind, const char *name)
{
	__u64 h = fnv1a(&kind, sizeof(kind), FNV_INIT);

	h = fnv1a(name, strlen(name), h);
	return (__u32)(h ^ h >> 32);
}

static struct ctrl_vm *vm_new(struct ctrl *c, const char *name)
{
	struct ctrl_vm *vm;
	__u32 s1 = slot_of(CTRL_RULE_STEER, name), s2 = slot_of(CTRL_RULE_FCF, name);

	for (size_t i = 0; i < c->n_vms; i++) {
		const struct ctrl_vm *o = c->vms[i];

		if (o->slot_steer == s1 || o->slot_fcf == s1 || o->slot_steer == s2 ||
		    o->slot_fcf == s2 || s1 == s2) {
			log_rl(VSX_LOG_ERR, "vm %s: its cookie slot collides with vm %s's; not steered",
			       name, o->name);
			return NULL;
		}
	}
	if (c->n_vms == c->cap_vms) {
		size_t cap = c->cap_vms ? c->cap_vms * 2 : 16;
		struct ctrl_vm **v = realloc(c->vms, cap * sizeof(*v));

		if (!v)
			return NULL;
		c->vms = v;
		c->cap_vms = cap;
	}
	vm = calloc(1, sizeof(*vm));
	if (!vm)
		return NULL;
	snprintf(vm->name, sizeof(vm->name), "%s", name);
	vm->core = -1;
	vm->slot_steer = s1;
	vm->slot_fcf = s2;
	ofp_buf_init(&vm->steer.wire);
	ofp_buf_init(&vm->fcf.wire);
	c->vms[c->n_vms++] = vm;
	return vm;
}

static void vm_remove(struct ctrl *c, struct ctrl_vm *vm)
{
	core_release(vm);
	for (size_t i = 0; i < c->n_vms; i++)
		if (c->vms[i] == vm) {
			c->vms[i] = c->vms[--c->n_vms];
			break;
		}
	vm_free(vm);
}

/* VMs on h whose picked core a VM is now pinned to get a new one. */
static void host_recheck(struct ctrl *c, struct ctrl_host *h, unsigned long long chg)
{
	for (size_t i = 0; i < c->n_vms; i++) {
		struct ctrl_vm *vm = c->vms[i];
		__u64 pinned[VSX_EXP_CPU_WORDS];

		if (vm->host != h || vm->core < 0)
			continue;
		pinned_cores(c, h, pinned);
		if (!cpu_isset(pinned, (unsigned int)vm->core))
			continue;
		ctrl_vm_refresh(c, vm);
		ctrl_sync_vm(c, vm, chg);
	}
}

static void name_copy(char *dst, size_t dlen, const char *src, size_t slen)
{
	size_t n = strnlen(src, slen);

	if (n >= dlen)
		n = dlen - 1;
	memcpy(dst, src, n);
	dst[n] = 0;
}

/* Equal but for the reason (ADD, MODIFY, PRESENT say the same about a VM). */
static bool same_info(const struct vsx_vm_port_info *a, const struct vsx_vm_port_info *b)
{
	return a->port_no == b->port_no && a->vm_id == b->vm_id && a->flags == b->flags &&
	       a->vni == b->vni && a->tenant_id == b->tenant_id &&
	       !memcmp(a->hw_addr, b->hw_addr, sizeof(a->hw_addr)) &&
	       !memcmp(a->cpus, b->cpus, sizeof(a->cpus)) &&
	       !strncmp(a->name, b->name, sizeof(a->name)) &&
	       !strncmp(a->tenant, b->tenant, sizeof(a->tenant)) &&
	       !strncmp(a->port, b->port, sizeof(a->port));
}

void ctrl_vm_report(struct ctrl *c, struct ctrl_host *h, const struct vsx_vm_port_info *info)
{
	char name[VSX_EXP_VMNAME_LEN + 1];
	struct ctrl_vm *vm;
	const char *what = "changed";
	unsigned long long chg;

	name_copy(name, sizeof(name), info->name, sizeof(info->name));
	if (!name[0]) {
		log_rl(VSX_LOG_WARN, "host %#llx reported a VM without a name; ignored",
		       (unsigned long long)h->dpid);
		return;
	}
	vm = ctrl_vm_find(c, name);
	if (!vm) {
		vm = vm_new(c, name);
		if (!vm)
			return;
		what = "started";
	} else if (vm->host != h) {
		log_info("vm %s moved from host %#llx to %#llx", name,
			 (unsigned long long)vm->host->dpid, (unsigned long long)h->dpid);
		core_release(vm);
		what = "moved";
	} else if (same_info(&vm->info, info)) {
		return; /* nothing new (a resync repeating what we know) */
	}
	c->vm_events++;
	vm->host = h;
	vm->info = *info;
	if (info->flags & VSX_VMF_HAS_TENANT) {
		name_copy(vm->tenant, sizeof(vm->tenant), info->tenant, sizeof(info->tenant));
		if (!vm->tenant[0])
			snprintf(vm->tenant, sizeof(vm->tenant), "%u", info->tenant_id);
	} else {
		vm->tenant[0] = 0;
	}
	chg = ctrl_change_begin(c, "vm %s %s on host %#llx", name, what,
				(unsigned long long)h->dpid);
	ctrl_vm_refresh(c, vm);
	ctrl_sync_vm(c, vm, chg);
	host_recheck(c, h, chg);
}

void ctrl_vm_gone(struct ctrl *c, struct ctrl_host *h, const char *name)
{
	struct ctrl_vm *vm = ctrl_vm_find(c, name);
	unsigned long long chg;

	if (!vm || vm->host != h)
		return;
	c->vm_events++;
	chg = ctrl_change_begin(c, "vm %s stopped on host %#llx", name, (unsigned long long)h->dpid);
	ctrl_sync_vm_gone(c, vm, chg);
	vm_remove(c, vm);
}

void ctrl_host_vms_replace(struct ctrl *c, struct ctrl_host *h, const struct vsx_vm_port_info *v,
			   size_t n)
{
	for (size_t i = 0; i < n; i++)
		ctrl_vm_report(c, h, &v[i]);
	for (size_t i = 0; i < c->n_vms;) {
		struct ctrl_vm *vm = c->vms[i];
		bool listed = false;

		if (vm->host == h)
			for (size_t j = 0; j < n && !listed; j++)
				listed = !strncmp(vm->name, v[j].name, sizeof(v[j].name));
		if (vm->host == h && !listed) {
			ctrl_vm_gone(c, h, vm->name); /* moves the last VM here: look at i again */
			continue;
		}
		i++;
	}
}

void ctrl_policy_apply(struct ctrl *c)
{
	unsigned long long chg = ctrl_change_begin(c, "policy applied");

	/* Each VM keeps its core if the new policy still allows it. */
	for (size_t i = 0; i < c->n_vms; i++)
		ctrl_vm_refresh(c, c->vms[i]);
	for (size_t i = 0; i < c->n_hosts; i++)
		ctrl_sync_host(c, c->hosts[i], chg);
}

void ctrl_free(struct ctrl *c)
{
	for (size_t i = 0; i < c->n_vms; i++)
		vm_free(c->vms[i]);
	free(c->vms);
	for (size_t i = 0; i < c->n_hosts; i++) {
		ctrl_slots_free(&c->hosts[i]->inst);
		free(c->hosts[i]);
	}
	free(c->hosts);
	ctrl_policy_free(&c->policy);
}
