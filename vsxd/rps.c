// SPDX-License-Identifier: MIT
/*
 * vsxd owns the uplink's RPS and RFS while it steers. The kernel applies them in
 * netif_receive_skb(), after XDP: a packet the datapath handed to core N through the cpumap, or
 * kept on its receiving core (XDP_PASS), would be moved again to whatever core RPS hashes it
 * to, and the decision vsxctl reports would not be where the work runs. So in modes rss and
 * vsx the uplink's receive queues have RPS and RFS off; in mode default (no steering) and when
 * vsxd stops they have the operator's settings back.
 *
 * The replaced settings are kept in a file beside the control socket (SOCKET.rps) while they
 * are off, so a vsxd that crashed or stopped with --keep-datapath hands them to the next one;
 * the file exists exactly while vsxd holds the settings. A setting somebody writes while vsxd
 * steers becomes the one restored later, and is turned off again (with a warning).
 * `own-rps off` in the configuration leaves RPS alone.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vsxd.h"
#include "log.h"
#include "rps.h"

#define SYSFS_NET "/sys/class/net"

struct vsxd_rps {
	bool held;		   /* the uplink's settings are off and `orig` holds them */
	struct vsx_rps_state orig; /* the operator's settings */
	struct vsx_rps_state cur;  /* scratch: what sysfs says now */
	struct vsx_rps_state off;  /* scratch: orig with everything off */
	char path[sizeof(((struct vsxd *)0)->state_path) + 8];
	char text[VSX_RPS_MAX_QUEUES * (VSX_RPS_MASK_MAX + 48)];
	bool read_failed;    /* logged once */
	bool restore_failed; /* logged once; retried at every tick */
};

static bool steering(const struct vsxd *d)
{
	__u32 mode = VSX_MODE_DEFAULT;

	return d->dpp.ops && vsx_dp_call(&d->dpp, get_mode, &mode) == 0 && mode != VSX_MODE_DEFAULT;
}

/* The settings as one line for the log: "rx-0 cpus=1 flow_cnt=0, rx-1 ...". */
static const char *describe(struct vsxd_rps *r, const struct vsx_rps_state *st)
{
	if (vsx_rps_format(st, r->text, sizeof(r->text)))
		return "(too many queues to print)";
	for (char *p = r->text; (p = strchr(p, '\n'));) {
		if (p[1] == '\0') {
			*p = '\0';
			break;
		}
		*p = ';';
	}
	return r->text[0] ? r->text : "(no receive queues)";
}

static int save(struct vsxd_rps *r)
{
	char tmp[sizeof(r->path) + 4];
	FILE *f;
	int err;

	snprintf(tmp, sizeof(tmp), "%s.tmp", r->path);
	err = vsx_rps_format(&r->orig, r->text, sizeof(r->text));
	if (err)
		return err;
	f = fopen(tmp, "w");
	if (!f)
		return -errno;
	fputs(r->text, f);
	if (fclose(f) || rename(tmp, r->path)) {
		err = -errno;
		unlink(tmp);
		return err;
	}
	return 0;
}

/* Takes the current settings as the operator's, saves them and turns RPS/RFS off. */
static void take(struct vsxd *d, const char *why)
{
	struct vsxd_rps *r = d->rps;
	int err;

	r->orig = r->cur;
	err = save(r);
	if (err)
		log_warn(
		    "cannot save the uplink's RPS settings to %s (%s): a crash would lose them",
		    r->path, strerror(-err));
	vsx_rps_off(&r->orig, &r->off);
	err = vsx_rps_write(SYSFS_NET, d->conf.uplink, &r->off);
	if (err) {
		log_err("turning RPS off on %s: %s: steered packets may be moved again by RPS",
			d->conf.uplink, strerror(-err));
		vsx_rps_write(SYSFS_NET, d->conf.uplink, &r->orig);
		unlink(r->path);
		r->held = false;
		return;
	}
	r->held = true;
	log_info("%s: RPS/RFS off on %s while steering (was %s; restored in mode default and when "
		 "vsxd stops)",
		 why, d->conf.uplink, describe(r, &r->orig));
}

static void give_back(struct vsxd *d, const char *why)
{
	struct vsxd_rps *r = d->rps;
	int err = vsx_rps_write(SYSFS_NET, d->conf.uplink, &r->orig);

	if (err) {
		if (!r->restore_failed)
			log_err("restoring RPS on %s (%s): %s; saved settings stay in %s",
				d->conf.uplink, describe(r, &r->orig), strerror(-err), r->path);
		r->restore_failed = true;
		return;
	}
	unlink(r->path);
	r->held = false;
	r->restore_failed = false;
	log_info("%s: RPS/RFS of %s restored (%s)", why, d->conf.uplink, describe(r, &r->orig));
}

void vsxd_rps_sync(struct vsxd *d)
{
	struct vsxd_rps *r = d->rps;
	int err;

	if (!r)
		return;
	if (!steering(d)) {
		if (r->held)
			give_back(d, "mode default");
		return;
	}
	err = vsx_rps_read(SYSFS_NET, d->conf.uplink, &r->cur);
	if (err) {
		if (!r->read_failed)
			log_warn("reading RPS settings of %s: %s: leaving them alone",
				 d->conf.uplink, strerror(-err));
		r->read_failed = true;
		return;
	}
	r->read_failed = false;
	if (!r->held) {
		if (vsx_rps_is_off(&r->cur))
			return; /* nothing would move packets: nothing to hold */
		take(d, "steering");
	} else if (!vsx_rps_is_off(&r->cur)) {
		log_warn("RPS on %s was set to %s while vsxd steers: it would move steered packets "
			 "again; turning it off (this setting is the one restored later)",
			 d->conf.uplink, describe(r, &r->cur));
		take(d, "re-taken");
	}
}

int vsxd_rps_init(struct vsxd *d)
{
	struct vsxd_rps *r;
	char msg[160];
	FILE *f;

	if (!d->conf.own_rps) {
		log_debug("own-rps off: RPS/RFS of %s are left as they are", d->conf.uplink);
		return 0;
	}
	r = calloc(1, sizeof(*r));
	if (!r)
		return -ENOMEM;
	snprintf(r->path, sizeof(r->path), "%s.rps", d->conf.socket_path);
	f = fopen(r->path, "r");
	if (f) {
		/* A previous vsxd turned RPS off and did not give it back: its copy is the
		 * original. */
		size_t n = fread(r->text, 1, sizeof(r->text) - 1, f);

		r->text[n] = '\0';
		fclose(f);
		if (vsx_rps_parse(r->text, &r->orig, msg, sizeof(msg))) {
			log_warn("ignoring %s: %s", r->path, msg);
		} else {
			r->held = true;
			log_info(
			    "taking over the RPS settings of %s that a previous vsxd saved (%s)",
			    d->conf.uplink, describe(r, &r->orig));
		}
	}
	d->rps = r;
	vsxd_rps_sync(d);
	return 0;
}

void vsxd_rps_fini(struct vsxd *d)
{
	struct vsxd_rps *r = d->rps;

	if (!r)
		return;
	if (r->held) {
		if (d->keep_datapath && steering(d))
			log_info("RPS/RFS of %s stay off: the datapath keeps steering (saved in %s "
				 "for the "
				 "next vsxd)",
				 d->conf.uplink, r->path);
		else
			give_back(d, "stopping");
	}
	free(r);
	d->rps = NULL;
}
