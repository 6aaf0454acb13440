# SPDX-License-Identifier: MIT
"""vsx on os-ken: the VS-extend controller as an os-ken 2.5 application (Debian's
python3-os-ken), doing what vsx-controller does.

Run it with os-ken's manager (hosts running vsxd connect to it with
`controller tcp:HOST:6653`):

    VSX_POLICY=/etc/vsx/controller.policy \\
        osken-manager --ofp-tcp-listen-port 6653 controller/osken/vsx_app.py

What it does (docs/controller.md, "The os-ken application"):
  - speaks OpenFlow 1.3 only (vsx's match fields and actions exist in 1.3);
  - learns each host from its vsx HOST_INFO report (cores, NIC features) and its VMs from
    VM_PORTS_REPLY and VM_PORT_STATUS (VM ID, MAC, VNI, tenant, pinned cores), using the vsx
    experimenter messages of docs/openflow-extensions.md;
  - reads the same policy file as vsx-controller (lib/ctrl_policy.h): priority tenants and VMs,
    steer=vmid|none, cores=auto|pick|LIST; traffic= is refused here (it needs vsx's rule
    syntax, which only the C controller parses);
  - installs on a VM's host `vni=V,vm_id=ID actions=irq:CORE|irq:auto` and on every other host
    `vni=V,dl_dst=MAC actions=set_fcf:ID[/1]`, with the same cookie scheme as vsx-controller
    (top byte 0x56, a slot per VM and rule kind, a content hash), each batch closed by a BARRIER;
  - after a (re)connection reads the host's rules with a cookie-masked FLOW_STATS and fixes the
    difference (adds what is missing, deletes stale cookies), so a restart of the controller or
    of a host leaves working rules in place.

vsx extensions in os-ken: the vsx OXM fields are registered with os-ken's OXM table (an
experimenter class with the vsx id) so OFPMatch can carry vm_id; vsx actions are
OFPActionExperimenterUnknown with the 8 bytes of docs/openflow-extensions.md.
"""

import os
import struct
import time

from os_ken.base import app_manager
from os_ken.controller import ofp_event
from os_ken.controller.handler import (CONFIG_DISPATCHER, DEAD_DISPATCHER,
                                       HANDSHAKE_DISPATCHER, MAIN_DISPATCHER,
                                       set_ev_cls)
from os_ken.lib import hub, type_desc
from os_ken.ofproto import ofproto_v1_3, oxm_fields

VSX_EXPERIMENTER = 0x00025658  # lib/ofp_vsx.h VSX_OFP_EXPERIMENTER

# exp_type (lib/ofp_vsx.h enum vsx_exp_type)
HOST_INFO, HOST_INFO_REQUEST, VM_PORT_STATUS, VM_PORTS_REQUEST, VM_PORTS_REPLY = 1, 2, 3, 4, 5
VM_ADD, VM_DELETE, VM_MODIFY, VM_PRESENT = 0, 1, 2, 3
VMF_PORT_UP, VMF_PINNED, VMF_HAS_TENANT, VMF_HAS_VNI = 1 << 1, 1 << 4, 1 << 2, 1 << 3
ACT_IRQ_AUTO, ACT_SET_FCF = 1, 2  # lib/ofp_rule.h enum vsx_act_subtype

HOST_INFO_FMT = '!QIIIIBBHI16s16s'  # 64 bytes
VM_PORT_FMT = '!IBBBxII6s2x4Q32s32s16s'  # 136 bytes
COOKIE_TAG = 0x56 << 56
COOKIE_MASK = 0xff << 56
KIND_STEER, KIND_FCF = 1, 2
DEFAULT_FLOW_PRIORITY = 40000


class _VsxOxm(oxm_fields._Experimenter):
    experimenter_id = VSX_EXPERIMENTER


def _register_vsx_oxm():
    names = {f.name for f in ofproto_v1_3.oxm_types}
    if 'vsx_vm_id' in names:
        return
    ofproto_v1_3.oxm_types += [_VsxOxm('vsx_vm_id', 0, type_desc.Int1),
                               _VsxOxm('vsx_fcf_prio', 1, type_desc.Int1)]
    oxm_fields.generate(ofproto_v1_3.__name__)


_register_vsx_oxm()


def _fnv1a(data, h=0xcbf29ce484222325):
    for b in data:
        h ^= b
        h = (h * 0x100000001b3) & 0xffffffffffffffff
    return h


def _cstr(b):
    return b.split(b'\0', 1)[0].decode('utf-8', 'replace')


class PolicyError(Exception):
    pass


class Policy:
    """The policy file of lib/ctrl_policy.h, without traffic= (see the module's text)."""

    def __init__(self):
        self.flow_priority = DEFAULT_FLOW_PRIORITY
        self.default = {'priority': False, 'steer': 'vmid', 'cores': 'auto'}
        self.tenants, self.vms = {}, {}

    @classmethod
    def load(cls, path):
        p = cls()
        seen_default = seen_prio = False
        with open(path) as f:
            lines = f.read().split('\n')
        for n, line in enumerate(lines, 1):
            where = '%s:%d: ' % (path, n)
            words = line.split('#', 1)[0].split()
            if not words:
                continue
            if words[0] == 'flow-priority':
                if len(words) != 2 or not words[1].isdigit() or \
                        not 1 <= int(words[1]) <= 65535:
                    raise PolicyError(where + 'flow-priority takes one number (1..65535)')
                if seen_prio:
                    raise PolicyError(where + 'flow-priority given twice')
                p.flow_priority, seen_prio = int(words[1]), True
            elif words[0] == 'default':
                if seen_default:
                    raise PolicyError(where + "a second 'default' line")
                seen_default = True
                p.default.update(cls._settings(where, words[1:]))
            elif words[0] in ('tenant', 'vm'):
                if len(words) < 2:
                    raise PolicyError(where + '%s needs a name' % words[0])
                table = p.tenants if words[0] == 'tenant' else p.vms
                if words[1] in table:
                    raise PolicyError(where + "%s '%s' already defined" % (words[0], words[1]))
                table[words[1]] = cls._settings(where, words[2:])
            else:
                raise PolicyError(where + "unknown directive '%s'" % words[0])
        return p

    @staticmethod
    def _settings(where, words):
        s = {}
        for w in words:
            key, _, val = w.partition('=')
            if key in s:
                raise PolicyError(where + "'%s' given twice" % key)
            if key == 'priority':
                if val not in ('', 'yes', 'no'):
                    raise PolicyError(where + 'priority=%s: expected yes or no' % val)
                s[key] = val != 'no'
            elif key == 'steer':
                if val not in ('vmid', 'none'):
                    raise PolicyError(where + 'steer=%s: expected vmid or none' % val)
                s[key] = val
            elif key == 'cores':
                if val in ('auto', 'pick'):
                    s[key] = val
                else:
                    try:
                        cores = sorted({int(c) for c in val.split(',')})
                    except ValueError:
                        raise PolicyError(where + 'cores=%s: expected auto, pick or core '
                                          'numbers' % val)
                    if not cores or cores[-1] > 255 or cores[0] < 0:
                        raise PolicyError(where + 'cores=%s: cores are 0..255' % val)
                    s[key] = cores
            elif key == 'traffic':
                raise PolicyError(where + 'traffic= is not supported by the os-ken '
                                  'application (use vsx-controller)')
            else:
                raise PolicyError(where + "unknown setting '%s'" % key)
        return s

    def resolve(self, vm, tenant):
        out = dict(self.default)
        t, v = self.tenants.get(tenant), self.vms.get(vm)
        cores_given = False
        for s in (t, v):
            if s:
                out.update(s)
                cores_given |= 'cores' in s
        if out['priority'] and (t or v) and not cores_given and out['cores'] == 'auto':
            out['cores'] = 'pick'
        return out


class Host:
    def __init__(self, dpid):
        self.dpid = dpid
        self.dp = None
        self.info = None  # dict from HOST_INFO
        self.installed = {}  # slot -> cookie
        self.synced = False
        self.have_vms = self.have_flows = False
        self.seen = {}
        self.flows_xid = None
        self.core_use = {}
        self.pending = []  # (barrier xid, t0) in request order


class Vm:
    def __init__(self, name):
        self.name = name
        self.host = None
        self.info = None
        self.tenant = ''
        self.pol = None
        self.core = None
        self.rules = {}  # kind -> (cookie, match kwargs, actions builder args) or None
        self.slots = {KIND_STEER: self._slot(KIND_STEER), KIND_FCF: self._slot(KIND_FCF)}

    def _slot(self, kind):
        h = _fnv1a(self.name.encode(), _fnv1a(struct.pack('<i', kind)))
        return (h ^ (h >> 32)) & 0xffffffff


class VsxApp(app_manager.OSKenApp):
    OFP_VERSIONS = [ofproto_v1_3.OFP_VERSION]

    def __init__(self, *args, **kwargs):
        super(VsxApp, self).__init__(*args, **kwargs)
        self.hosts = {}
        self.vms = {}
        self.by_dp = {}
        # As vsx-controller's --resync-grace: after a start, rules no known VM wants are
        # kept this long (they may be VMs of hosts that have not reconnected yet).
        self.grace_over = False
        self.stale_kept = 0
        hub.spawn_after(float(os.environ.get('VSX_RESYNC_GRACE_S', '10')), self._grace_over)
        self.policy_path = os.environ.get('VSX_POLICY')
        self.policy = Policy()
        if self.policy_path:
            self.policy = Policy.load(self.policy_path)  # a bad file stops the app: say why
            self.logger.info('vsx: policy %s loaded', self.policy_path)

    # ---- sending ----

    def _exp(self, dp, exp_type, data=b''):
        p = dp.ofproto_parser
        msg = p.OFPExperimenter(dp, experimenter=VSX_EXPERIMENTER, exp_type=exp_type,
                                data=bytearray(data))
        dp.send_msg(msg)
        return msg.xid

    def _flow_add(self, host, cookie, match, actions):
        dp = host.dp
        p, o = dp.ofproto_parser, dp.ofproto
        inst = [p.OFPInstructionActions(o.OFPIT_APPLY_ACTIONS, actions)]
        dp.send_msg(p.OFPFlowMod(dp, cookie=cookie, command=o.OFPFC_ADD,
                                 priority=self.policy.flow_priority, buffer_id=o.OFP_NO_BUFFER,
                                 out_port=o.OFPP_ANY, out_group=o.OFPG_ANY,
                                 match=p.OFPMatch(**match), instructions=inst))

    def _flow_del_cookie(self, host, cookie):
        dp = host.dp
        p, o = dp.ofproto_parser, dp.ofproto
        dp.send_msg(p.OFPFlowMod(dp, cookie=cookie, cookie_mask=0xffffffffffffffff,
                                 table_id=o.OFPTT_ALL, command=o.OFPFC_DELETE,
                                 out_port=o.OFPP_ANY, out_group=o.OFPG_ANY,
                                 match=p.OFPMatch()))

    def _barrier(self, host, t0):
        dp = host.dp
        msg = dp.ofproto_parser.OFPBarrierRequest(dp)
        dp.send_msg(msg)
        host.pending.append((msg.xid, t0))

    # ---- rules ----

    @staticmethod
    def _actions(dp, kind, core, vm_id, prio):
        p, o = dp.ofproto_parser, dp.ofproto
        if kind == KIND_STEER and core is not None:
            return [p.OFPActionSetQueue(core), p.OFPActionOutput(o.OFPP_LOCAL)]
        if kind == KIND_STEER:
            data = struct.pack('!H6x', ACT_IRQ_AUTO)
        else:
            data = struct.pack('!HBB4x', ACT_SET_FCF, vm_id, prio)
        return [p.OFPActionExperimenterUnknown(VSX_EXPERIMENTER, data=bytearray(data))]

    def _pick_core(self, vm, hint):
        h = vm.host
        n = h.info['n_cores'] if h.info else 0
        if not n:
            return None
        pinned = set()
        for o in self.vms.values():  # the VM's own pinned cores too (ctrl_policy.h)
            if o.host is h and o.info['flags'] & VMF_PINNED:
                pinned |= o.info['cpus']
        cand = [c for c in range(min(n, 256))
                if vm.pol['cores'] == 'pick' or c in vm.pol['cores']]
        free = [c for c in cand if c not in pinned] or cand
        if hint in free:
            return hint
        return min(free, key=lambda c: (h.core_use.get(c, 0), c)) if free else None

    def _release_core(self, vm):
        if vm.core is not None and vm.host:
            vm.host.core_use[vm.core] = max(0, vm.host.core_use.get(vm.core, 0) - 1)
        vm.core = None

    def _refresh(self, vm):
        """vm's policy, core and the two rules it implies (kind -> (cookie, match, kind args))."""
        info = vm.info
        vm.pol = self.policy.resolve(vm.name, vm.tenant)
        vm.rules = {KIND_STEER: None, KIND_FCF: None}
        hint = vm.core
        self._release_core(vm)
        if vm.pol['steer'] == 'none' or not 1 <= info['vm_id'] <= 127 or \
                not info['flags'] & VMF_PORT_UP:  # configured, not running
            return
        base = {}
        if info['flags'] & VMF_HAS_VNI:
            base['tunnel_id'] = info['vni']
        core = None
        if vm.pol['cores'] != 'auto':
            core = self._pick_core(vm, hint)
            if core is None:
                base = None  # no core count yet: the host's HOST_INFO will refresh
            else:
                vm.core = core
                vm.host.core_use[core] = vm.host.core_use.get(core, 0) + 1
        if base is not None:
            m = dict(base, vsx_vm_id=info['vm_id'])
            act = ('irq:%d' % core) if core is not None else 'irq:auto'
            vm.rules[KIND_STEER] = (self._cookie(vm, KIND_STEER, m, act), m,
                                    (KIND_STEER, core, 0, 0))
        if info['mac'] != '00:00:00:00:00:00':
            m = dict(eth_dst=info['mac'])
            if info['flags'] & VMF_HAS_VNI:
                m['tunnel_id'] = info['vni']
            prio = 1 if vm.pol['priority'] else 0
            act = 'set_fcf:%d/%d' % (info['vm_id'], prio)
            vm.rules[KIND_FCF] = (self._cookie(vm, KIND_FCF, m, act), m,
                                  (KIND_FCF, None, info['vm_id'], prio))

    def _cookie(self, vm, kind, match, act):
        text = ('%s %s %d' % (sorted(match.items()), act, self.policy.flow_priority)).encode()
        return COOKIE_TAG | vm.slots[kind] << 24 | (_fnv1a(text) & 0xffffff)

    def _ensure(self, host, slot, want):
        """Makes slot hold rule `want` (cookie, match, args) or nothing; True if it sent."""
        have = host.installed.get(slot)
        wcookie = want[0] if want else None
        if have == wcookie:
            return False
        if want:
            self._flow_add(host, want[0], want[1], self._actions(host.dp, *want[2]))
            host.installed[slot] = want[0]
        if have is not None:
            self._flow_del_cookie(host, have)
            if not want:
                del host.installed[slot]
        return True

    def _sync_pair(self, host, vm, gone=False):
        own = vm.host is host
        a = self._ensure(host, vm.slots[KIND_STEER],
                         None if gone or not own else vm.rules[KIND_STEER])
        b = self._ensure(host, vm.slots[KIND_FCF],
                         None if gone or own else vm.rules[KIND_FCF])
        return a or b

    def _ready(self):
        return [h for h in self.hosts.values() if h.dp and h.synced]

    def _sync_vm(self, vm, gone=False, what=''):
        t0 = time.monotonic()
        for h in self._ready():
            if self._sync_pair(h, vm, gone):
                self._barrier(h, t0)
        self.logger.info('vsx: %s', what)

    def _sync_host(self, host):
        t0 = time.monotonic()
        sent = False
        want = set()
        for vm in self.vms.values():
            sent |= self._sync_pair(host, vm)
            for kind in (KIND_STEER, KIND_FCF):
                r = vm.rules.get(kind)
                if r and (kind == KIND_STEER) == (vm.host is host):
                    want.add(r[0])
        want_slots = {(c >> 24) & 0xffffffff for c in want}
        for slot, cookie in list(host.installed.items()):
            if cookie not in want:
                if not self.grace_over and slot not in want_slots:
                    self.stale_kept += 1
                    continue
                self._flow_del_cookie(host, cookie)
                del host.installed[slot]
                sent = True
        if sent:
            self._barrier(host, t0)

    def _grace_over(self):
        self.grace_over = True
        if self.stale_kept:
            self.logger.info('vsx: resync grace over: deleting rules no known VM wants')
            self.stale_kept = 0
            for h in self._ready():
                self._sync_host(h)

    # ---- inventory ----

    @staticmethod
    def _vm_info(body):
        f = struct.unpack(VM_PORT_FMT, body)
        return {'port_no': f[0], 'reason': f[1], 'vm_id': f[2], 'flags': f[3], 'vni': f[4],
                'tenant_id': f[5], 'mac': ':'.join('%02x' % b for b in f[6]),
                'cpus': {w * 64 + i for w in range(4) for i in range(64) if f[7 + w] >> i & 1},
                'name': _cstr(f[11]), 'tenant': _cstr(f[12]), 'port': _cstr(f[13])}

    def _vm_report(self, host, info):
        name = info['name']
        if not name:
            return
        vm = self.vms.get(name)
        what = 'changed'
        if vm is None:
            vm = self.vms[name] = Vm(name)
            what = 'started'
        elif vm.host is not host:
            self._release_core(vm)
            what = 'moved'
        elif {k: v for k, v in vm.info.items() if k != 'reason'} == \
                {k: v for k, v in info.items() if k != 'reason'}:
            return
        vm.host, vm.info = host, info
        vm.tenant = ''
        if info['flags'] & VMF_HAS_TENANT:
            vm.tenant = info['tenant'] or str(info['tenant_id'])
        self._refresh(vm)
        self._sync_vm(vm, what='vm %s %s on host %#x: %s' % (name, what, host.dpid, vm.pol))

    def _vm_gone(self, host, name):
        vm = self.vms.get(name)
        if vm is None or vm.host is not host:
            return
        self._sync_vm(vm, gone=True, what='vm %s stopped on host %#x' % (name, host.dpid))
        self._release_core(vm)
        del self.vms[name]

    def _maybe_sync(self, host):
        if host.dp and not host.synced and host.have_vms and host.have_flows:
            host.installed = host.seen
            host.seen = {}
            host.synced = True
            self._sync_host(host)
            self.logger.info('vsx: host %#x synced (%d rules)', host.dpid, len(host.installed))

    # ---- events ----

    @set_ev_cls(ofp_event.EventOFPStateChange, [MAIN_DISPATCHER, DEAD_DISPATCHER])
    def _state_change(self, ev):
        dp = ev.datapath
        if ev.state == MAIN_DISPATCHER and dp.id is not None:
            host = self.hosts.get(dp.id)
            if host is None:
                host = self.hosts[dp.id] = Host(dp.id)
            host.dp, host.synced = dp, False
            host.have_vms = host.have_flows = False
            host.seen, host.pending = {}, []
            self.by_dp[id(dp)] = host
            p, o = dp.ofproto_parser, dp.ofproto
            self._exp(dp, HOST_INFO_REQUEST)
            self._exp(dp, VM_PORTS_REQUEST)
            req = p.OFPFlowStatsRequest(dp, table_id=o.OFPTT_ALL, out_port=o.OFPP_ANY,
                                        out_group=o.OFPG_ANY, cookie=COOKIE_TAG,
                                        cookie_mask=COOKIE_MASK, match=p.OFPMatch())
            dp.send_msg(req)
            host.flows_xid = req.xid
            self.logger.info('vsx: host %#x up', dp.id)
        elif ev.state == DEAD_DISPATCHER:
            host = self.by_dp.pop(id(dp), None)
            if host and host.dp is dp:
                host.dp, host.synced = None, False
                self.logger.info('vsx: host %#x down; its rules stay on the switch', host.dpid)

    @set_ev_cls(ofp_event.EventOFPExperimenter,
                [HANDSHAKE_DISPATCHER, CONFIG_DISPATCHER, MAIN_DISPATCHER])
    def _experimenter(self, ev):
        msg = ev.msg
        host = self.by_dp.get(id(msg.datapath))
        if msg.experimenter != VSX_EXPERIMENTER or host is None:
            return
        data = bytes(msg.data)
        try:
            if msg.exp_type == HOST_INFO and len(data) == 64:
                f = struct.unpack(HOST_INFO_FMT, data)
                cores_changed = not host.info or host.info['n_cores'] != f[1]
                host.info = {'dpid': f[0], 'n_cores': f[1], 'n_rx_queues': f[2],
                             'uplink_port': f[3], 'caps': f[4], 'xdp_mode': f[5],
                             'uplink': _cstr(f[9]), 'driver': _cstr(f[10])}
                if cores_changed and host.synced:
                    for vm in self.vms.values():
                        if vm.host is host:
                            self._refresh(vm)
                    self._sync_host(host)
            elif msg.exp_type == VM_PORT_STATUS and len(data) == 136:
                info = self._vm_info(data)
                if info['reason'] == VM_DELETE:
                    self._vm_gone(host, info['name'])
                else:
                    self._vm_report(host, info)
            elif msg.exp_type == VM_PORTS_REPLY and len(data) >= 8:
                (n,) = struct.unpack_from('!I', data)
                if len(data) != 8 + 136 * n:
                    raise struct.error('VM_PORTS_REPLY of %d bytes for %d VMs' % (len(data), n))
                infos = [self._vm_info(data[8 + 136 * i:8 + 136 * (i + 1)]) for i in range(n)]
                for info in infos:
                    self._vm_report(host, info)
                names = {i['name'] for i in infos}
                for vm in [v for v in self.vms.values() if v.host is host]:
                    if vm.name not in names:
                        self._vm_gone(host, vm.name)
                host.have_vms = True
                self._maybe_sync(host)
        except struct.error as e:
            self.logger.warning('vsx: host %#x: bad vsx message type %d: %s', host.dpid,
                                msg.exp_type, e)

    @set_ev_cls(ofp_event.EventOFPFlowStatsReply, MAIN_DISPATCHER)
    def _flow_stats(self, ev):
        msg = ev.msg
        host = self.by_dp.get(id(msg.datapath))
        if host is None or msg.xid != host.flows_xid:
            return
        for st in msg.body:
            if st.cookie & COOKIE_MASK == COOKIE_TAG:
                host.seen[(st.cookie >> 24) & 0xffffffff] = st.cookie
        if not msg.flags & 1:
            host.have_flows = True
            self._maybe_sync(host)

    @set_ev_cls(ofp_event.EventOFPBarrierReply, MAIN_DISPATCHER)
    def _barrier_reply(self, ev):
        host = self.by_dp.get(id(ev.msg.datapath))
        if host is None:
            return
        while host.pending:
            xid, t0 = host.pending.pop(0)
            if xid == ev.msg.xid:
                self.logger.info('vsx: host %#x: rules active %.1f ms after the change',
                                 host.dpid, (time.monotonic() - t0) * 1000)
                break

    @set_ev_cls(ofp_event.EventOFPErrorMsg, [CONFIG_DISPATCHER, MAIN_DISPATCHER])
    def _error(self, ev):
        msg = ev.msg
        host = self.by_dp.get(id(msg.datapath))
        self.logger.warning('vsx: host %s: ERROR type %d code %d for xid %#x',
                            '%#x' % host.dpid if host else '?', msg.type, msg.code, msg.xid)
        if host and msg.xid == host.flows_xid and not host.have_flows:
            host.have_flows = True
            self._maybe_sync(host)
