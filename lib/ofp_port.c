// SPDX-License-Identifier: MIT
/* Port descriptions: 1.0's 48-byte ofp_phy_port and 1.3's 64-byte ofp_port. */
#include "ofp_internal.h"

size_t ofp_port_wire_len(__u8 version)
{
	return version == OFP10_VERSION ? sizeof(struct ofp10_phy_port) : sizeof(struct ofp13_port);
}

int ofp_port_decode(struct ofp_rd *r, __u8 version, struct ofp_port *p, struct ofp_status *st)
{
	if (version == OFP10_VERSION) {
		struct ofp10_phy_port w;

		if (!ofp_rd_pull(r, &w, sizeof(w)))
			return ofp_fail(st, OFP_ERR_BAD_LEN, "port description truncated");
		p->port_no = be16toh(w.port_no);
		memcpy(p->hw_addr, w.hw_addr, 6);
		ofp_str_from_wire(p->name, w.name, sizeof(w.name));
		p->config = be32toh(w.config);
		p->state = be32toh(w.state);
		p->curr = be32toh(w.curr);
		p->advertised = be32toh(w.advertised);
		p->supported = be32toh(w.supported);
		p->peer = be32toh(w.peer);
		return 0;
	}
	{
		struct ofp13_port w;

		if (!ofp_rd_pull(r, &w, sizeof(w)))
			return ofp_fail(st, OFP_ERR_BAD_LEN, "port description truncated");
		p->port_no = be32toh(w.port_no);
		memcpy(p->hw_addr, w.hw_addr, 6);
		ofp_str_from_wire(p->name, w.name, sizeof(w.name));
		p->config = be32toh(w.config);
		p->state = be32toh(w.state);
		p->curr = be32toh(w.curr);
		p->advertised = be32toh(w.advertised);
		p->supported = be32toh(w.supported);
		p->peer = be32toh(w.peer);
		p->curr_speed = be32toh(w.curr_speed);
		p->max_speed = be32toh(w.max_speed);
		return 0;
	}
}

int ofp_port_encode(const struct ofp_port *p, __u8 version, struct ofp_buf *b, char *err,
		    size_t errlen)
{
	if (version == OFP10_VERSION) {
		struct ofp10_phy_port w = {0};

		if (p->port_no > 0xffff)
			return ofp_enc_fail(err, errlen, "1.0 port number %u above 0xffff",
					    p->port_no);
		w.port_no = htobe16((__u16)p->port_no);
		memcpy(w.hw_addr, p->hw_addr, 6);
		if (ofp_str_to_wire(w.name, p->name, sizeof(w.name)))
			return ofp_enc_fail(err, errlen, "port name longer than 16 bytes");
		w.config = htobe32(p->config);
		w.state = htobe32(p->state);
		w.curr = htobe32(p->curr);
		w.advertised = htobe32(p->advertised);
		w.supported = htobe32(p->supported);
		w.peer = htobe32(p->peer);
		ofp_put(b, &w, sizeof(w));
		return 0;
	}
	{
		struct ofp13_port w = {0};

		w.port_no = htobe32(p->port_no);
		memcpy(w.hw_addr, p->hw_addr, 6);
		if (ofp_str_to_wire(w.name, p->name, sizeof(w.name)))
			return ofp_enc_fail(err, errlen, "port name longer than 16 bytes");
		w.config = htobe32(p->config);
		w.state = htobe32(p->state);
		w.curr = htobe32(p->curr);
		w.advertised = htobe32(p->advertised);
		w.supported = htobe32(p->supported);
		w.peer = htobe32(p->peer);
		w.curr_speed = htobe32(p->curr_speed);
		w.max_speed = htobe32(p->max_speed);
		ofp_put(b, &w, sizeof(w));
		return 0;
	}
}
