// SPDX-License-Identifier: MIT
/*
 * Keeping each host's rules equal to what the controller wants (ctrl.h explains the cookie
 * scheme): per-host slot tables, ADD-then-DELETE updates, and the timing of every change from
 * its cause (a report, a reload, a reconnect) to the last BARRIER_REPLY of the hosts it
 * touched.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ctrl.h"
#include "evloop.h"
#include "log.h"
#include "vsx/ofp_wire.h"

unsigned long long ctrl_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (unsigned long long)ts.tv_sec * 1000000ull + (unsigned long long)ts.tv_nsec / 1000;
}

/* ---- slot tables ---- */

static size_t slot_pos(const struct ctrl_slots *s, __u32 slot)
{
	size_t i = (slot * 2654435761u) & (s->cap - 1);

	while (s->v[i] && ctrl_cookie_slot(s->v[i]) != slot)
		i = (i + 1) & (s->cap - 1);
	return i;
}

__u64 ctrl_slots_get(const struct ctrl_slots *s, __u32 slot)
{
	return s->cap ? s->v[slot_pos(s, slot)] : 0;
}

static int slots_grow(struct ctrl_slots *s)
{
	struct ctrl_slots n = {.cap = s->cap ? s->cap * 2 : 64};

	n.v = calloc(n.cap, sizeof(*n.v));
	if (!n.v)
		return -ENOMEM;
	for (size_t i = 0; i < s->cap; i++)
		if (s->v[i]) {
			n.v[slot_pos(&n, ctrl_cookie_slot(s->v[i]))] = s->v[i];
			n.n++;
		}
	free(s->v);
	*s = n;
	return 0;
}

int ctrl_slots_put(struct ctrl_slots *s, __u64 cookie)
{
	size_t i;

	if ((s->n + 1) * 2 > s->cap && slots_grow(s))
		return -ENOMEM;
	i = slot_pos(s, ctrl_cookie_slot(cookie));
	if (!s->v[i])
		s->n++;
	s->v[i] = cookie;
	return 0;
}

void ctrl_slots_del(struct ctrl_slots *s, __u32 slot)
{
	size_t i, j;

	if (!s->cap)
		return;
	i = slot_pos(s, slot);
	if (!s->v[i])
		return;
	s->v[i] = 0;
	s->n--;
	/* Backward-shift deletion keeps every probe chain whole. */
	for (j = (i + 1) & (s->cap - 1); s->v[j]; j = (j + 1) & (s->cap - 1)) {
		__u64 c = s->v[j];
		size_t home = (ctrl_cookie_slot(c) * 2654435761u) & (s->cap - 1);

		if ((j > i && (home <= i || home > j)) || (j < i && home <= i && home > j)) {
			s->v[i] = c;
			s->v[j] = 0;
			i = j;
		}
	}
}

void ctrl_slots_free(struct ctrl_slots *s)
{
	free(s->v);
	memset(s, 0, sizeof(*s));
}

/* ---- changes ---- */

static struct ctrl_change *change(struct ctrl *c, unsigned long long id)
{
	struct ctrl_change *ch = &c->changes[id % CTRL_CHANGES];

	return id && ch->id == id ? ch : NULL;
}

unsigned long long ctrl_change_begin(struct ctrl *c, const char *fmt, ...)
{
	unsigned long long id = ++c->next_change;
	struct ctrl_change *ch = &c->changes[id % CTRL_CHANGES];
	va_list ap;

	memset(ch, 0, sizeof(*ch));
	ch->id = id;
	ch->t0_us = ctrl_now_us();
	va_start(ap, fmt);
	vsnprintf(ch->what, sizeof(ch->what), fmt, ap);
	va_end(ap);
	return id;
}

static void change_step(struct ctrl *c, struct ctrl_change *ch, bool ok)
{
	if (!ch || !ch->outstanding)
		return;
	ch->outstanding--;
	if (!ok)
		ch->failed++;
	if (ch->outstanding)
		return;
	ch->done_us = ctrl_now_us();
	if (c->log_converge || ch->failed)
		log_info("%s: rules active on %u host%s in %.3f ms%s", ch->what, ch->hosts - ch->failed,
			 ch->hosts == 1 ? "" : "s", (double)(ch->done_us - ch->t0_us) / 1000.0,
			 ch->failed ? " (some hosts went down meanwhile)" : "");
}

/* ---- sending ---- */

static void host_send_raw(struct ctrl *c, struct ctrl_host *h, const struct ofp_buf *wire)
{
	struct ctrl_sess *s = h->sess;

	if (vsx_ofconn_send_raw(s->conn, wire->data, wire->len) == 0) {
		s->dirty = true;
		c->flow_mods++;
	}
}

static void host_delete_cookie(struct ctrl *c, struct ctrl_host *h, __u64 cookie)
{
	struct ofp_msg m = {.kind = OFPK_FLOW_MOD, .xid = vsx_ofconn_next_xid(h->sess->conn)};

	m.flow_mod.command = OFPFC_DELETE;
	m.flow_mod.table_id = OFPTT_ALL;
	m.flow_mod.cookie = cookie;
	m.flow_mod.cookie_mask = ~0ull;
	m.flow_mod.buffer_id = OFP_NO_BUFFER;
	m.flow_mod.out_port = OFPP13_ANY;
	m.flow_mod.out_group = OFPG13_ANY;
	if (vsx_ofconn_send(h->sess->conn, &m) == 0) {
		h->sess->dirty = true;
		c->flow_mods++;
	}
}

/* Makes slot hold `want` on h (rule r, or nothing when r is NULL or invalid). */
static void ensure(struct ctrl *c, struct ctrl_host *h, __u32 slot, const struct ctrl_rule *r)
{
	__u64 have = ctrl_slots_get(&h->inst, slot);
	__u64 want = r && r->valid ? r->cookie : 0;

	if (have == want)
		return;
	if (want) {
		host_send_raw(c, h, &r->wire);
		if (ctrl_slots_put(&h->inst, want))
			log_rl(VSX_LOG_ERR, "out of memory for host %#llx's rule table",
			       (unsigned long long)h->dpid);
	}
	if (have) {
		host_delete_cookie(c, h, have);
		if (!want)
			ctrl_slots_del(&h->inst, slot);
	}
}

static bool host_ready(const struct ctrl_host *h)
{
	return h->sess && h->synced && vsx_ofconn_is_up(h->sess->conn);
}

static void sync_pair(struct ctrl *c, struct ctrl_host *h, struct ctrl_vm *vm)
{
	bool own = vm->host == h;

	ensure(c, h, vm->slot_steer, own ? &vm->steer : NULL);
	ensure(c, h, vm->slot_fcf, own ? NULL : &vm->fcf);
}

void ctrl_flush(struct ctrl *c, unsigned long long chg)
{
	struct ctrl_change *ch = change(c, chg);

	for (size_t i = 0; i < c->n_hosts; i++) {
		struct ctrl_host *h = c->hosts[i];
		struct ctrl_sess *s = h->sess;
		struct ofp_msg m = {.kind = OFPK_BARRIER_REQUEST};

		if (!s)
			continue;
		if (!s->dirty) {
			vsx_ofconn_cork(s->conn, false);
			continue;
		}
		s->dirty = false;
		m.xid = vsx_ofconn_next_xid(s->conn);
		if (vsx_ofconn_send(s->conn, &m)) {
			vsx_ofconn_cork(s->conn, false);
			continue;
		}
		vsx_ofconn_cork(s->conn, false);
		c->barriers++;
		if (s->n_barriers == s->cap_barriers) {
			size_t cap = s->cap_barriers ? s->cap_barriers * 2 : 8;
			struct ctrl_barrier *b = realloc(s->barriers, cap * sizeof(*b));

			if (!b)
				continue;
			s->barriers = b;
			s->cap_barriers = cap;
		}
		s->barriers[s->n_barriers++] = (struct ctrl_barrier){m.xid, ch ? chg : 0};
		if (ch) {
			ch->hosts++;
			ch->outstanding++;
		}
	}
}

/* Every session that gets rules in this change is corked until ctrl_flush(). */
static void cork_ready(struct ctrl *c)
{
	for (size_t i = 0; i < c->n_hosts; i++)
		if (host_ready(c->hosts[i]))
			vsx_ofconn_cork(c->hosts[i]->sess->conn, true);
}

void ctrl_sync_vm(struct ctrl *c, struct ctrl_vm *vm, unsigned long long chg)
{
	cork_ready(c);
	for (size_t i = 0; i < c->n_hosts; i++)
		if (host_ready(c->hosts[i]))
			sync_pair(c, c->hosts[i], vm);
	ctrl_flush(c, chg);
}

void ctrl_sync_vm_gone(struct ctrl *c, struct ctrl_vm *vm, unsigned long long chg)
{
	cork_ready(c);
	for (size_t i = 0; i < c->n_hosts; i++) {
		struct ctrl_host *h = c->hosts[i];

		if (!host_ready(h))
			continue;
		ensure(c, h, vm->slot_steer, NULL);
		ensure(c, h, vm->slot_fcf, NULL);
	}
	ctrl_flush(c, chg);
}

void ctrl_sync_host(struct ctrl *c, struct ctrl_host *h, unsigned long long chg)
{
	struct ctrl_slots want = {0};

	if (!host_ready(h))
		return;
	vsx_ofconn_cork(h->sess->conn, true);
	for (size_t i = 0; i < c->n_vms; i++) {
		struct ctrl_vm *vm = c->vms[i];

		sync_pair(c, h, vm);
		if (vm->host == h && vm->steer.valid)
			ctrl_slots_put(&want, vm->steer.cookie);
		if (vm->host != h && vm->fcf.valid)
			ctrl_slots_put(&want, vm->fcf.cookie);
	}
	/* Our cookies on the host that no VM wants (a VM that went while we were away, a rule
	 * of an older policy): deleted. */
	for (size_t i = 0; i < h->inst.cap; i++) {
		__u64 ck = h->inst.v[i];

		if (ck && ctrl_slots_get(&want, ctrl_cookie_slot(ck)) != ck) {
			if (!c->grace_over && !ctrl_slots_get(&want, ctrl_cookie_slot(ck))) {
				c->stale_kept++; /* maybe a VM of a host not back yet */
				continue;
			}
			host_delete_cookie(c, h, ck);
			ctrl_slots_del(&h->inst, ctrl_cookie_slot(ck));
			i--; /* backward shift may have moved an entry here */
		}
	}
	ctrl_slots_free(&want);
	ctrl_flush(c, chg);
	vsx_ofconn_cork(h->sess->conn, false);
}

void ctrl_grace_over(struct ctrl *c)
{
	unsigned long long chg;

	c->grace_over = true;
	if (!c->stale_kept)
		return;
	log_info("resync grace over: deleting rules no known VM wants (%zu kept until now)",
		 c->stale_kept);
	c->stale_kept = 0;
	chg = ctrl_change_begin(c, "stale rules after the resync grace");
	for (size_t i = 0; i < c->n_hosts; i++)
		ctrl_sync_host(c, c->hosts[i], chg);
}

void ctrl_barrier_reply(struct ctrl *c, struct ctrl_sess *s, __u32 xid)
{
	/* Replies come in request order: everything before xid is answered too. */
	for (size_t i = 0; i < s->n_barriers; i++) {
		if (s->barriers[i].xid != xid)
			continue;
		for (size_t j = 0; j <= i; j++)
			change_step(c, change(c, s->barriers[j].change), true);
		memmove(s->barriers, s->barriers + i + 1,
			(s->n_barriers - i - 1) * sizeof(*s->barriers));
		s->n_barriers -= i + 1;
		return;
	}
}

void ctrl_sess_barriers_fail(struct ctrl *c, struct ctrl_sess *s)
{
	for (size_t i = 0; i < s->n_barriers; i++)
		change_step(c, change(c, s->barriers[i].change), false);
	s->n_barriers = 0;
}
