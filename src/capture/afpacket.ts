/**
 * A live frame source: an AF_PACKET socket bound to one interface with a
 * memory-mapped TPACKET_V2 receive ring, mapped ONCE and seen as one
 * `Uint8Array`. Frames are delivered as descriptors (offset, length,
 * timestamp) into the ring and handed back to the kernel when the next batch
 * is taken, so the pipeline inspects them where the kernel wrote them.
 *
 * TPACKET_V2 (per-frame ownership) rather than V3 (per-block): a V3 block
 * reaches user space only when full or when its timeout expires, which adds
 * up to that timeout to every packet's latency inline (Suricata warns the
 * same). V2 serves the passive IDS too: the pipeline is the bottleneck, not
 * the ring walk.
 *
 * Not thread safe: one ring per worker. A ring opened on one thread can be
 * handed to another ({@link AfPacketRing.handOver} / {@link AfPacketRing.adopt}:
 * threads share the process's descriptors and address space), so that one
 * thread can open every ring of a fanout group in a fixed order.
 *
 * @module
 */

import {
  AF_PACKET,
  bindPacket,
  closeFd,
  getsockopt,
  IFF_UP,
  ifNameToIndex,
  interfaceFlags,
  interfaceMtu,
  libc,
  LibcError,
  MAP_SHARED,
  mmap,
  munmap,
  PACKET_ADD_MEMBERSHIP,
  PACKET_FANOUT,
  PACKET_FANOUT_FLAG_IGNORE_OUTGOING,
  PACKET_FANOUT_FLAG_UNIQUEID,
  PACKET_IGNORE_OUTGOING,
  PACKET_MR_PROMISC,
  PACKET_MREQ_SIZE,
  PACKET_QDISC_BYPASS,
  PACKET_RESERVE,
  PACKET_RX_RING,
  PACKET_STATISTICS,
  PACKET_VERSION,
  POLLERR,
  POLLFD_SIZE,
  POLLIN,
  PROT_READ,
  PROT_WRITE,
  setsockopt,
  setsockoptInt,
  sizeBigInt,
  SOCK_CLOEXEC,
  SOCK_RAW,
  socket,
  SOL_PACKET,
  TPACKET_V2,
} from "../../ffi/libc.ts";
import type { FrameBatch, FrameSource } from "./frame_batch.ts";

/** `tpacket2_hdr.tp_status`: the frame belongs to user space. */
export const TP_STATUS_USER = 1;
/** `tpacket2_hdr.tp_status`: frames were dropped since the last status with this bit. */
export const TP_STATUS_LOSING = 4;
/** `tpacket2_hdr.tp_status`: `tp_vlan_tci` holds a tag the kernel took off the frame. */
export const TP_STATUS_VLAN_VALID = 0x10;
/** `tpacket2_hdr.tp_status`: `tp_vlan_tpid` holds the tag's TPID (else it is 0x8100). */
export const TP_STATUS_VLAN_TPID_VALID = 0x40;
/** `sockaddr_ll.sll_pkttype`: sent by this host. */
export const PACKET_OUTGOING = 4;

/** `tpacket2_hdr` offsets. */
const H_STATUS = 0;
const H_LEN = 4;
const H_SNAPLEN = 8;
const H_MAC = 12;
const H_SEC = 16;
const H_NSEC = 20;
const H_VLAN_TCI = 24;
const H_VLAN_TPID = 26;
/** `sockaddr_ll` follows the header at TPACKET_ALIGN(32). */
const H_SLL_HATYPE = 32 + 8;
const H_SLL_PKTTYPE = 32 + 10;
/** End of the `sockaddr_ll`: a frame may start no earlier (TPACKET2_HDRLEN). */
const H_END = 32 + 20;
/** 802.1Q, the TPID of a tag when the kernel does not say (no TPID_VALID). */
const ETH_P_8021Q = 0x8100;
/**
 * PACKET_RESERVE: bytes the kernel leaves free before each frame's network
 * header, so that the 4 bytes of a VLAN tag it took off fit back in front
 * of the frame (the kernel's own alignment leaves 14 for Ethernet; this makes
 * room for any link header length).
 */
const VLAN_HEADROOM = 4;

/** `ARPHRD_*` values and the pcap link type their frames have. */
const ARPHRD_ETHER = 1;
const ARPHRD_LOOPBACK = 772;
const ARPHRD_NONE = 0xfffe;
const LINKTYPE_ETHERNET = 1;
const LINKTYPE_RAW = 101;

/** Size of the ring's blocks (the kernel allocates the ring block by block). */
const BLOCK_SIZE = 1 << 17;

/** Options of {@link AfPacketRing.open}. */
export interface AfPacketOptions {
  /**
   * Bytes per frame slot, a power of two from 2048 (default: enough for the
   * interface's MTU plus headers, at least 2048). Larger frames are
   * truncated (`capLen < wireLen`).
   */
  frameSize?: number;
  /** Frame slots in the ring (default 4096: 8 MiB at 2048 B). */
  frameCount?: number;
  /** Put the interface in promiscuous mode for the socket's life (default true). */
  promiscuous?: boolean;
  /**
   * Skip frames this host sends (an inline bridge must, or it would loop its
   * own output; a passive IDS must not, or it would see one direction of the
   * host's own connections). Default false.
   */
  ignoreOutgoing?: boolean;
  /** Send without the qdisc layer (default false). */
  qdiscBypass?: boolean;
  /** Join a PACKET_FANOUT group: `(mode | flags) << 16 | id` (default none). */
  fanout?: number;
}

/** Kernel counters of a ring (PACKET_STATISTICS, accumulated over reads). */
export interface RingStats {
  /** Frames the kernel saw for this socket, dropped or not (`capture.kernel_packets`). */
  packets: number;
  /** Frames dropped because the ring was full (`capture.kernel_drops`). */
  drops: number;
}

/**
 * An open ring described by plain values, to move its ownership to another
 * thread (`postMessage`): the socket, the mapping's address (a BigInt) and
 * the ring's geometry.
 */
export interface RingHandle {
  /** The interface name. */
  iface: string;
  /** The interface index. */
  ifindex: number;
  /** The socket. */
  fd: number;
  /** Where the ring is mapped. */
  address: bigint;
  /** Bytes per frame slot. */
  frameSize: number;
  /** Frame slots. */
  frameCount: number;
  /** Whether frames this host sent are skipped. */
  ignoreOutgoing: boolean;
}

/**
 * A TPACKET_V2 receive ring on one interface.
 *
 * @example
 * ```ts
 * const ring = AfPacketRing.open("eth0");
 * const batch = new FrameBatch(64);
 * try {
 *   for (;;) {
 *     const n = ring.next(batch); // releases the previous batch's frames
 *     if (n === 0) ring.wait(10);
 *     for (let i = 0; i < n; i++) console.log(batch.capLen[i]);
 *   }
 * } finally {
 *   ring.close();
 * }
 * ```
 */
export class AfPacketRing implements FrameSource {
  /** Format name for summaries. */
  readonly format = "af-packet";
  /** Live: no size. */
  readonly size = 0;
  /** Live: never damaged. */
  readonly damage = null;
  /** Frames delivered so far. */
  position = 0;
  /** The interface name. */
  readonly iface: string;
  /** The interface index. */
  readonly ifindex: number;
  /** The socket (also used to send to this interface). */
  readonly fd: number;
  /** The whole ring; dead (segfaults if touched) after {@link AfPacketRing.close}. */
  readonly data: Uint8Array;
  /** Bytes per frame slot. */
  readonly frameSize: number;
  /** Frame slots. */
  readonly frameCount: number;
  /** Frames skipped because this host sent them (PACKET_OUTGOING). */
  outgoingSkipped = 0;
  /**
   * Frames whose VLAN tag the kernel took off (`TP_STATUS_VLAN_VALID`) and
   * this ring put back in the slot, so that they are decoded and forwarded
   * with it.
   */
  vlanRestored = 0;
  /** Such frames with no room in their slot for the tag: delivered untagged. */
  vlanUntagged = 0;
  readonly #status: Int32Array;
  readonly #view: DataView;
  readonly #address: Deno.PointerObject;
  readonly #length: number;
  readonly #pollfd = new Uint8Array(POLLFD_SIZE);
  readonly #statsBuf = new Uint32Array(2);
  readonly #statsLen = new Uint32Array(1);
  readonly #stats: RingStats = { packets: 0, drops: 0 };
  /** The next slot the kernel fills. */
  #cursor = 0;
  /** Slots of the current lease: [#leaseStart, #cursor). */
  #leaseStart = 0;
  #leased = 0;
  #closed = false;
  #ignoreOutgoing = false;

  private constructor(
    iface: string,
    ifindex: number,
    fd: number,
    address: Deno.PointerObject,
    frameSize: number,
    frameCount: number,
  ) {
    this.iface = iface;
    this.ifindex = ifindex;
    this.fd = fd;
    this.#address = address;
    this.#length = frameSize * frameCount;
    const buffer = Deno.UnsafePointerView.getArrayBuffer(address, this.#length);
    this.data = new Uint8Array(buffer);
    this.#status = new Int32Array(buffer);
    this.#view = new DataView(buffer);
    this.frameSize = frameSize;
    this.frameCount = frameCount;
    const pollView = new DataView(this.#pollfd.buffer);
    pollView.setInt32(0, fd, true);
    pollView.setInt16(4, POLLIN | POLLERR, true);
  }

  /**
   * Open a socket on `iface`, set up and map its ring, and bind it.
   *
   * @param iface the interface name
   * @param options ring size, promiscuous mode, fanout
   * @returns the ring
   * @throws {LiveCaptureError} with a one-line reason: no such interface,
   *   interface down, no privileges, or a kernel refusal
   */
  static open(iface: string, options: AfPacketOptions = {}): AfPacketRing {
    const ifindex = ifNameToIndex(iface);
    if (ifindex === 0) throw new LiveCaptureError(`${iface}: no such network interface`);
    let fd: number;
    try {
      // protocol 0: nothing is received until bind() names the interface
      fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0, iface);
    } catch (error) {
      // errno is read by a second FFI call, after which the runtime may have reset it
      // (EAGAIN was seen): the process's capabilities decide as well
      const denied = error instanceof LibcError &&
        (error.code === "EPERM" || error.code === "EACCES" || hasNetRaw() === false);
      if (denied) {
        throw new LiveCaptureError(
          `${iface}: cannot open a packet socket: live capture needs root or CAP_NET_RAW`,
        );
      }
      throw error;
    }
    let address: Deno.PointerObject | null = null;
    let length = 0;
    try {
      if ((interfaceFlags(fd, iface) & IFF_UP) === 0) {
        throw new LiveCaptureError(`${iface}: interface is down`);
      }
      const mtu = interfaceMtu(fd, iface);
      const frameSize = options.frameSize ?? frameSizeFor(mtu);
      if (frameSize < 2048 || (frameSize & (frameSize - 1)) !== 0 || frameSize > BLOCK_SIZE) {
        throw new LiveCaptureError(
          `${iface}: frame size ${frameSize} is not a power of two >= 2048`,
        );
      }
      const perBlock = BLOCK_SIZE / frameSize;
      const wanted = options.frameCount ?? 4096;
      const blocks = Math.max(1, Math.ceil(wanted / perBlock));
      const frameCount = blocks * perBlock;
      if (options.promiscuous ?? true) {
        const mreq = new Uint8Array(PACKET_MREQ_SIZE);
        const view = new DataView(mreq.buffer);
        view.setInt32(0, ifindex, true);
        view.setUint16(4, PACKET_MR_PROMISC, true);
        setsockopt(fd, SOL_PACKET, PACKET_ADD_MEMBERSHIP, mreq, `${iface}: PACKET_ADD_MEMBERSHIP`);
      }
      const ignoreOutgoing = options.ignoreOutgoing ?? false;
      if (ignoreOutgoing) {
        // Linux 4.20+; older kernels: outgoing frames are skipped by pkttype
        const on = Int32Array.of(1);
        libc().setsockopt(fd, SOL_PACKET, PACKET_IGNORE_OUTGOING, on, 4);
      }
      if (options.qdiscBypass) {
        setsockoptInt(fd, SOL_PACKET, PACKET_QDISC_BYPASS, 1, `${iface}: PACKET_QDISC_BYPASS`);
      }
      setsockoptInt(fd, SOL_PACKET, PACKET_VERSION, TPACKET_V2, `${iface}: PACKET_VERSION`);
      setsockoptInt(fd, SOL_PACKET, PACKET_RESERVE, VLAN_HEADROOM, `${iface}: PACKET_RESERVE`);
      const req = Uint32Array.of(BLOCK_SIZE, blocks, frameSize, frameCount);
      setsockopt(fd, SOL_PACKET, PACKET_RX_RING, new Uint8Array(req.buffer), `${iface}: RX ring`);
      length = frameSize * frameCount;
      address = mmap(fd, length, {
        prot: PROT_READ | PROT_WRITE,
        flags: MAP_SHARED,
        subject: `${iface}: ring`,
      });
      bindPacket(fd, ifindex, iface);
      if (options.fanout !== undefined) {
        setsockoptInt(fd, SOL_PACKET, PACKET_FANOUT, options.fanout, `${iface}: PACKET_FANOUT`);
      }
      const ring = new AfPacketRing(iface, ifindex, fd, address, frameSize, frameCount);
      ring.#ignoreOutgoing = ignoreOutgoing;
      return ring;
    } catch (error) {
      if (address !== null) munmap(address, length);
      closeFd(fd);
      if (error instanceof LibcError && error.code === "ENETDOWN") {
        throw new LiveCaptureError(`${iface}: interface is down`);
      }
      throw error;
    }
  }

  /**
   * Take over a ring another thread opened and {@link AfPacketRing.handOver handed over}:
   * this thread now owns it (and closes it). Maps nothing: the ring is seen
   * through one new view of the existing mapping.
   *
   * @param handle what {@link AfPacketRing.handOver} returned
   * @returns the ring
   */
  static adopt(handle: RingHandle): AfPacketRing {
    const address = Deno.UnsafePointer.create(handle.address);
    if (address === null) throw new LiveCaptureError(`${handle.iface}: ring handle has no address`);
    const ring = new AfPacketRing(
      handle.iface,
      handle.ifindex,
      handle.fd,
      address,
      handle.frameSize,
      handle.frameCount,
    );
    ring.#ignoreOutgoing = handle.ignoreOutgoing;
    return ring;
  }

  /**
   * Give this ring away (to {@link AfPacketRing.adopt} on another thread):
   * this object closes nothing afterwards and must not be used again.
   *
   * @returns the ring as plain values
   */
  handOver(): RingHandle {
    if (this.#closed) throw new Error(`${this.iface}: ring already closed or handed over`);
    this.#closed = true;
    return {
      iface: this.iface,
      ifindex: this.ifindex,
      fd: this.fd,
      address: BigInt(Deno.UnsafePointer.value(this.#address)),
      frameSize: this.frameSize,
      frameCount: this.frameCount,
      ignoreOutgoing: this.#ignoreOutgoing,
    };
  }

  /**
   * Join a PACKET_FANOUT group: the kernel then gives this socket only its
   * share of the interface's frames. Sockets joining one group in a fixed
   * order hold fixed member indexes (with `PACKET_FANOUT_HASH`, member
   * `hash % members`). With `id` null the kernel creates a group with an
   * unused id (`PACKET_FANOUT_FLAG_UNIQUEID`), so no other process's group is
   * joined by accident; that id may be 0 (the kernel's first pick after boot).
   * A ring that skips outgoing frames asks the group to skip them too
   * (`PACKET_FANOUT_FLAG_IGNORE_OUTGOING`; kernels without it ignore the flag,
   * and {@link next} then skips them by packet type).
   *
   * @param mode e.g. `PACKET_FANOUT_HASH`
   * @param id null for a new group, else the id a first member's join returned
   * @returns the group's id
   * @throws {LibcError} when the kernel refuses
   */
  joinFanout(mode: number, id: number | null): number {
    const unique = id === null ? PACKET_FANOUT_FLAG_UNIQUEID : 0;
    const subject = `${this.iface}: PACKET_FANOUT`;
    const outgoing = this.#ignoreOutgoing ? PACKET_FANOUT_FLAG_IGNORE_OUTGOING : 0;
    const value = ((mode | unique | outgoing) << 16) | (id ?? 0);
    setsockoptInt(this.fd, SOL_PACKET, PACKET_FANOUT, value, subject);
    if (id !== null) return id;
    const group = new Uint32Array(1);
    if (getsockopt(this.fd, SOL_PACKET, PACKET_FANOUT, group, new Uint32Array(1)) !== 0) {
      throw new LiveCaptureError(`${this.iface}: cannot read the fanout group id`);
    }
    return group[0] & 0xffff;
  }

  /**
   * Hand the previous batch's frames back to the kernel and fill `batch`
   * with the frames ready now, without waiting.
   *
   * Slots behind the cursor that another thread still holds (a send
   * thread's, not yet handed back) still read as filled: after a lap the
   * cursor would take them for new frames, and read them twice while the
   * kernel, stopped at the first of them, falls out of step with it. So at
   * most `frameCount - held` slots are walked.
   *
   * @param batch the batch to fill (its `data` becomes the ring)
   * @param held slots behind the cursor still held elsewhere (0: none)
   * @returns how many frames were filled (0: none ready)
   */
  next(batch: FrameBatch, held = 0): number {
    this.release();
    batch.data = this.data;
    const status = this.#status;
    const view = this.#view;
    const size = this.frameSize;
    const slots = this.frameCount;
    const capacity = batch.capacity;
    let slot = this.#cursor;
    let n = 0;
    let room = slots - held;
    this.#leaseStart = slot;
    while (n < capacity && room > 0) {
      const base = slot * size;
      const st = Atomics.load(status, (base + H_STATUS) >>> 2);
      if ((st & TP_STATUS_USER) === 0) break;
      slot = slot + 1 === slots ? 0 : slot + 1;
      room--;
      this.#leased++;
      if (this.#ignoreOutgoing && view.getUint8(base + H_SLL_PKTTYPE) === PACKET_OUTGOING) {
        this.outgoingSkipped++;
        continue; // released with the rest of the lease
      }
      let mac = base + view.getUint16(base + H_MAC, true);
      let capLen = view.getUint32(base + H_SNAPLEN, true);
      let wireLen = view.getUint32(base + H_LEN, true);
      if ((st & TP_STATUS_VLAN_VALID) !== 0) {
        const at = this.#restoreVlanTag(base, mac, capLen, st);
        if (at >= 0) {
          mac = at;
          capLen += 4;
          wireLen += 4;
        }
      }
      batch.offset[n] = mac;
      batch.capLen[n] = capLen;
      batch.wireLen[n] = wireLen;
      batch.tsSec[n] = view.getUint32(base + H_SEC, true);
      batch.tsNsec[n] = view.getUint32(base + H_NSEC, true);
      batch.linkType[n] = linkTypeOf(view.getUint16(base + H_SLL_HATYPE, true));
      n++;
    }
    this.#cursor = slot;
    this.position += n;
    batch.count = n;
    return n;
  }

  /**
   * Put the VLAN tag the kernel took off a frame back in front of its
   * EtherType, in the slot: the 12 address bytes move 4 bytes back into the
   * headroom (PACKET_RESERVE), or, without headroom, the rest of the frame
   * moves 4 bytes on (one copy) when the slot has room.
   *
   * @returns the frame's new offset, or -1 when the tag did not fit
   */
  #restoreVlanTag(base: number, mac: number, capLen: number, status: number): number {
    const data = this.data;
    const view = this.#view;
    if (capLen < 12) return -1;
    if (mac - 4 >= base + H_END) {
      for (let k = 0; k < 12; k++) data[mac - 4 + k] = data[mac + k];
      mac -= 4;
    } else if (mac + capLen + 4 <= base + this.frameSize) {
      data.copyWithin(mac + 16, mac + 12, mac + capLen);
    } else {
      this.vlanUntagged++;
      return -1;
    }
    const tpid = (status & TP_STATUS_VLAN_TPID_VALID) !== 0
      ? view.getUint16(base + H_VLAN_TPID, true)
      : ETH_P_8021Q;
    view.setUint16(mac + 12, tpid === 0 ? ETH_P_8021Q : tpid, false);
    view.setUint16(mac + 14, view.getUint16(base + H_VLAN_TCI, true), false);
    this.vlanRestored++;
    return mac;
  }

  /**
   * Whether a frame is ready at the cursor, for {@link next} to take: one
   * load of the slot's status, nothing handed back (for busy polling).
   *
   * @param held slots behind the cursor still held elsewhere (0: none)
   * @returns true when the next {@link next} would find a frame (or an
   *   outgoing one it skips)
   */
  hasFrame(held = 0): boolean {
    if (held >= this.frameCount) return false;
    const at = (this.#cursor * this.frameSize + H_STATUS) >>> 2;
    return (Atomics.load(this.#status, at) & TP_STATUS_USER) !== 0;
  }

  /** The first slot of the current lease (the frames of the last {@link next}). */
  get leaseStart(): number {
    return this.#leaseStart;
  }

  /** The slots of the current lease (frames skipped as outgoing included). */
  get leaseCount(): number {
    return this.#leased;
  }

  /**
   * Forget the current lease without handing it back: whoever takes it
   * (a send thread) sets the slots' status to the kernel's itself.
   */
  detachLease(): void {
    this.#leased = 0;
    this.#leaseStart = this.#cursor;
  }

  /** Hand every leased frame back to the kernel (also done by the next {@link next}). */
  release(): void {
    let slot = this.#leaseStart;
    const status = this.#status;
    const size = this.frameSize;
    for (let k = this.#leased; k > 0; k--) {
      Atomics.store(status, (slot * size) >>> 2, 0);
      slot = slot + 1 === this.frameCount ? 0 : slot + 1;
    }
    this.#leased = 0;
    this.#leaseStart = this.#cursor;
  }

  /**
   * How many slots ahead of the cursor the kernel has filled, probed at
   * `fraction` of the ring (at most as deep as a full ring can show beyond
   * this lease and the one released before it): true when the backlog is
   * at least that deep.
   *
   * @param fraction 0..1 of the ring
   * @param held slots behind the cursor still held elsewhere (a send thread's):
   *   they read as filled but are not backlog, so the probe stays short of them
   * @returns whether the slot that far ahead is ready
   */
  backlogAtLeast(fraction: number, held = 0): boolean {
    // the slots of the lease and of the one just released (the kernel refills those
    // last), and slots still held, cannot be ahead of the cursor: a full ring shows
    // at most the rest
    const most = this.frameCount - 1 - 2 * this.#leased - held;
    const ahead = Math.max(0, Math.min(most, Math.floor(this.frameCount * fraction)));
    let slot = this.#cursor + ahead;
    if (slot >= this.frameCount) slot -= this.frameCount;
    return (Atomics.load(this.#status, (slot * this.frameSize) >>> 2) & TP_STATUS_USER) !== 0;
  }

  /**
   * Wait until a frame is ready or `timeoutMs` passes (a blocking `poll(2)`:
   * call it only when {@link next} found nothing).
   *
   * @param timeoutMs the most to wait, ms
   * @returns true when a frame is ready
   */
  wait(timeoutMs: number): boolean {
    const base = this.#cursor * this.frameSize;
    if ((Atomics.load(this.#status, base >>> 2) & TP_STATUS_USER) !== 0) return true;
    return libc().poll(this.#pollfd, 1n, timeoutMs) > 0;
  }

  /**
   * The kernel's counters, accumulated (the kernel resets them on each read).
   *
   * @returns packets (including drops) and drops since the ring opened
   */
  stats(): RingStats {
    if (
      !this.#closed &&
      getsockopt(this.fd, SOL_PACKET, PACKET_STATISTICS, this.#statsBuf, this.#statsLen) === 0
    ) {
      this.#stats.packets += this.#statsBuf[0];
      this.#stats.drops += this.#statsBuf[1];
    }
    return this.#stats;
  }

  /**
   * Unmap the ring and close the socket (which leaves promiscuous mode). Idempotent.
   *
   * @param release false to leave the mapping and the socket to the process's
   *   exit (another thread may still be sending from them)
   */
  close(release = true): void {
    if (this.#closed) return;
    this.stats();
    this.#closed = true;
    if (!release) return;
    munmap(this.#address, this.#length);
    closeFd(this.fd);
  }
}

/**
 * Wait on several rings at once (a blocking `poll(2)` over their sockets).
 *
 * @param pollfds a buffer of `8 * rings.length` bytes, from {@link pollSetOf}
 * @param count the number of rings
 * @param timeoutMs the most to wait, ms
 * @returns the number of ready sockets (0 on timeout)
 */
export function pollRings(pollfds: Uint8Array, count: number, timeoutMs: number): number {
  return libc().poll(pollfds, sizeBigInt(count), timeoutMs);
}

/**
 * The `pollfd` array for {@link pollRings}.
 *
 * @param rings the rings to wait on
 * @returns the array, built once
 */
export function pollSetOf(rings: readonly AfPacketRing[]): Uint8Array {
  const buf = new Uint8Array(POLLFD_SIZE * rings.length);
  const view = new DataView(buf.buffer);
  rings.forEach((ring, i) => {
    view.setInt32(i * POLLFD_SIZE, ring.fd, true);
    view.setInt16(i * POLLFD_SIZE + 4, POLLIN | POLLERR, true);
  });
  return buf;
}

/** A live capture that cannot start: one line saying what and where. */
export class LiveCaptureError extends Error {
  /** @param message the one-line reason, starting with the interface name */
  constructor(message: string) {
    super(message);
    this.name = "LiveCaptureError";
  }
}

/** The smallest power-of-two slot that holds an MTU-sized frame plus the V2 headers. */
function frameSizeFor(mtu: number): number {
  const needed = mtu + 14 + 4 + 96; // Ethernet, one VLAN tag, tpacket2_hdr + sockaddr_ll + align
  let size = 2048;
  while (size < needed && size < BLOCK_SIZE) size *= 2;
  return size;
}

function linkTypeOf(hatype: number): number {
  if (hatype === ARPHRD_ETHER || hatype === ARPHRD_LOOPBACK) return LINKTYPE_ETHERNET;
  if (hatype === ARPHRD_NONE) return LINKTYPE_RAW;
  return LINKTYPE_ETHERNET;
}

/** CAP_NET_RAW's bit in the capability sets of /proc/self/status. */
const CAP_NET_RAW = 13;

/**
 * Whether the process has CAP_NET_RAW in its effective set (from
 * `/proc/self/status`), or null when that cannot be read.
 */
function hasNetRaw(): boolean | null {
  try {
    const status = Deno.readTextFileSync("/proc/self/status");
    const m = /^CapEff:\s*([0-9a-f]+)$/m.exec(status);
    if (m === null) return null;
    return (BigInt(`0x${m[1]}`) & (1n << BigInt(CAP_NET_RAW))) !== 0n;
  } catch {
    return null;
  }
}
