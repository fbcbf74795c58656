// Facts we re-read ourselves in Debian's linux-source-6.12 (6.12.117), as checks a test runs
// against the extracted tree (test/core/drivers/verified.test.ts): `pattern` must occur (or,
// with `absent`, must not occur) in `file` within `window` lines of `line` (whole file when no
// line). A check that stops matching means the profile must be revisited. Paths are relative
// to the kernel source root.

export interface VerifiedFact {
  readonly driver: string;
  /** Dotted fact path in DriverProfile (`dataMeta`, `kfuncs.rx_hash`, `headroom`, ...). */
  readonly fact: string;
  readonly file: string;
  readonly line?: number;
  /** Lines either side of `line` searched (default 4). */
  readonly window?: number;
  /** A regular expression (source text). */
  readonly pattern: string;
  readonly absent?: boolean;
  /** What the match shows. */
  readonly shows: string;
}

const E = 'drivers/net/ethernet';

function meta(driver: string, file: string, line: number, valid: boolean): VerifiedFact {
  return {
    driver, fact: 'dataMeta', file, line, window: 4,
    pattern: `${valid ? 'true' : 'false'}\\s*\\)\\s*;`,
    shows: `xdp_prepare_buff(..., meta_valid=${valid})`,
  };
}

export const VERIFIED_6_12: readonly VerifiedFact[] = [
  // data_meta: the meta_valid argument of xdp_prepare_buff() in the RX path.
  meta('ena', `${E}/amazon/ena/ena_netdev.c`, 1197, false),
  meta('mvpp2', `${E}/marvell/mvpp2/mvpp2_main.c`, 4006, true),
  meta('fec', `${E}/freescale/fec_main.c`, 1822, false),
  meta('fsl-enetc', `${E}/freescale/enetc/enetc.c`, 1488, false),
  meta('mlx4_en', `${E}/mellanox/mlx4/en_rx.c`, 831, true),
  meta('qede', `${E}/qlogic/qede/qede_fp.c`, 1098, false),
  meta('sfc', `${E}/sfc/rx.c`, 291, false),
  meta('mvneta', `${E}/marvell/mvneta.c`, 2344, false),
  meta('stmmac', `${E}/stmicro/stmmac/stmmac_main.c`, 5621, true),
  meta('xen-netfront', 'drivers/net/xen-netfront.c', 977, false),
  meta('nfp', `${E}/netronome/nfp/nfd3/dp.c`, 1012, true),
  meta('lan966x_switch', `${E}/microchip/lan966x/lan966x_xdp.c`, 84, false),
  meta('fsl-dpaa2-eth', `${E}/freescale/dpaa2/dpaa2-eth.c`, 442, false),
  meta('rvu_nicpf', `${E}/marvell/octeontx2/nic/otx2_txrx.c`, 1427, false),
  meta('hv_netvsc', 'drivers/net/hyperv/netvsc_bpf.c', 57, false),
  meta('nicvf', `${E}/cavium/thunder/nicvf_main.c`, 554, false),
  meta('mlx5_core', `${E}/mellanox/mlx5/core/en_rx.c`, 1670, true),
  meta('bnxt_en', `${E}/broadcom/bnxt/bnxt_xdp.c`, 199, true),
  meta('i40e', `${E}/intel/i40e/i40e_txrx.c`, 2518, true),
  meta('ixgbe', `${E}/intel/ixgbe/ixgbe_main.c`, 2371, true),
  meta('igb', `${E}/intel/igb/igb_main.c`, 8937, true),
  meta('ixgbevf', `${E}/intel/ixgbevf/ixgbevf_main.c`, 1168, true),
  meta('tun', 'drivers/net/tun.c', 1721, false),
  // Headroom defines.
  { driver: 'sfc', fact: 'headroom', file: `${E}/sfc/net_driver.h`, line: 101, pattern: '#define EFX_XDP_HEADROOM\\s+128', shows: 'EFX_XDP_HEADROOM 128' },
  { driver: 'ixgbevf', fact: 'headroom', file: `${E}/intel/ixgbevf/ixgbevf.h`, line: 155, pattern: '#define IXGBEVF_SKB_PAD\\s+\\(NET_SKB_PAD \\+ NET_IP_ALIGN\\)', shows: 'IXGBEVF_SKB_PAD = NET_SKB_PAD + NET_IP_ALIGN = 64 on x86_64' },
  { driver: 'tun', fact: 'headroom', file: 'drivers/net/tun.c', line: 89, pattern: '#define TUN_RX_PAD \\(NET_IP_ALIGN \\+ NET_SKB_PAD\\)', shows: 'TUN_RX_PAD 64, plus XDP_PACKET_HEADROOM (tun.c:1685) = 320' },
  { driver: 'veth', fact: 'headroom', file: 'drivers/net/veth.c', line: 37, pattern: '#define VETH_XDP_HEADROOM\\s+\\(XDP_PACKET_HEADROOM \\+ NET_IP_ALIGN\\)', shows: 'VETH_XDP_HEADROOM = 256 + NET_IP_ALIGN' },
  { driver: 'hv_netvsc', fact: 'headroom', file: 'drivers/net/hyperv/hyperv_net.h', line: 889, pattern: '#define NETVSC_XDP_HDRM 256', shows: 'NETVSC_XDP_HDRM 256' },
  { driver: 'rvu_nicpf', fact: 'headroom', file: `${E}/marvell/octeontx2/nic/otx2_txrx.h`, line: 21, pattern: '#define OTX2_HEAD_ROOM\\s+OTX2_ALIGN', shows: 'OTX2_HEAD_ROOM = OTX2_ALIGN (128)' },
  { driver: 'i40e', fact: 'headroom', file: `${E}/intel/i40e/i40e_txrx.h`, line: 166, pattern: '#define I40E_SKB_PAD i40e_skb_pad\\(\\)', shows: 'I40E_SKB_PAD = i40e_skb_pad() (192 on x86_64/4K, computed)' },
  { driver: 'mvpp2', fact: 'headroom', file: `${E}/marvell/mvpp2/mvpp2.h`, line: 26, pattern: 'MVPP2_SKB_HEADROOM\\s+min\\(max\\(XDP_PACKET_HEADROOM, NET_SKB_PAD\\), 224\\)', shows: 'MVPP2_SKB_HEADROOM = 224 (+2 MH_SIZE = 226)' },
  // Metadata kfuncs: xdp_metadata_ops callbacks.
  { driver: 'veth', fact: 'kfuncs.rx_vlan_tag', file: 'drivers/net/veth.c', line: 1735, pattern: '\\.xmo_rx_vlan_tag\\s*=', shows: 'veth implements timestamp, hash, vlan_tag' },
  { driver: 'stmmac', fact: 'kfuncs.rx_timestamp', file: `${E}/stmicro/stmmac/stmmac_main.c`, line: 7583, pattern: '\\.xmo_rx_timestamp\\s*=', shows: 'stmmac implements timestamp only' },
  { driver: 'stmmac', fact: 'kfuncs.rx_hash', file: `${E}/stmicro/stmmac/stmmac_main.c`, pattern: '\\.xmo_rx_hash', absent: true, shows: 'no rx_hash callback' },
  { driver: 'mlx4_en', fact: 'kfuncs.rx_hash', file: `${E}/mellanox/mlx4/en_netdev.c`, line: 2897, pattern: '\\.xmo_rx_hash\\s*=', shows: 'mlx4 implements timestamp and hash' },
  { driver: 'mlx4_en', fact: 'kfuncs.rx_vlan_tag', file: `${E}/mellanox/mlx4/en_netdev.c`, pattern: '\\.xmo_rx_vlan_tag', absent: true, shows: 'no vlan callback' },
  { driver: 'mlx5_core', fact: 'kfuncs.rx_vlan_tag', file: `${E}/mellanox/mlx5/core/en/xdp.c`, line: 282, pattern: '\\.xmo_rx_vlan_tag\\s*=', shows: 'mlx5 implements all three' },
  { driver: 'ice', fact: 'kfuncs.rx_timestamp', file: `${E}/intel/ice/ice_txrx_lib.c`, line: 558, pattern: '\\.xmo_rx_timestamp\\s*=', shows: 'ice implements all three' },
  { driver: 'igc', fact: 'kfuncs.rx_hash', file: `${E}/intel/igc/igc_main.c`, line: 6904, pattern: '\\.xmo_rx_hash\\s*=', shows: 'igc implements hash and timestamp' },
  { driver: 'virtio_net', fact: 'kfuncs.rx_hash', file: 'drivers/net/virtio_net.c', line: 6496, pattern: '\\.xmo_rx_hash\\s*=', shows: 'virtio_net implements hash only' },
  { driver: 'i40e', fact: 'kfuncs.rx_timestamp', file: `${E}/intel/i40e/i40e_main.c`, pattern: 'xdp_metadata_ops', absent: true, shows: 'i40e registers no xdp_metadata_ops' },
  { driver: 'bnxt_en', fact: 'kfuncs.rx_hash', file: `${E}/broadcom/bnxt/bnxt.c`, pattern: 'xdp_metadata_ops', absent: true, shows: 'bnxt has no xdp_metadata_ops in 6.12 (rx_hash added later; profile value is the 7.2 one)' },
  // Actions: the RX switch has no XDP_REDIRECT case.
  { driver: 'ixgbevf', fact: 'actions', file: `${E}/intel/ixgbevf/ixgbevf_main.c`, line: 1075, window: 12, pattern: 'case XDP_REDIRECT', absent: true, shows: 'ixgbevf_run_xdp handles PASS/TX/ABORTED/DROP only' },
  { driver: 'nicvf', fact: 'actions', file: `${E}/cavium/thunder/nicvf_main.c`, line: 585, window: 20, pattern: 'case XDP_REDIRECT', absent: true, shows: 'nicvf_xdp_rx handles PASS/TX/ABORTED/DROP only' },
  { driver: 'nfp', fact: 'actions', file: `${E}/netronome/nfp/nfd3/dp.c`, line: 1033, window: 12, pattern: 'case XDP_REDIRECT', absent: true, shows: 'normal NFD3 RX path has no XDP_REDIRECT case' },
  { driver: 'i40e', fact: 'actions', file: `${E}/intel/i40e/i40e_txrx.c`, line: 2284, pattern: 'case XDP_REDIRECT:', shows: 'i40e handles XDP_REDIRECT' },
  // xdp_features.
  { driver: 'ixgbevf', fact: 'features', file: `${E}/intel/ixgbevf/ixgbevf_main.c`, line: 4672, pattern: 'xdp_features = NETDEV_XDP_ACT_BASIC;', shows: 'BASIC only' },
  { driver: 'nicvf', fact: 'features', file: `${E}/cavium/thunder/nicvf_main.c`, line: 2225, pattern: 'xdp_features = NETDEV_XDP_ACT_BASIC;', shows: 'BASIC only' },
  { driver: 'sfc', fact: 'redirectTarget', file: `${E}/sfc/efx.c`, line: 1050, pattern: 'NETDEV_XDP_ACT_NDO_XMIT', shows: 'NDO_XMIT advertised at probe' },
  { driver: 'qede', fact: 'redirectTarget', file: `${E}/qlogic/qede/qede_main.c`, line: 912, pattern: 'NETDEV_XDP_ACT_NDO_XMIT', shows: 'NDO_XMIT advertised at probe' },
  { driver: 'i40e', fact: 'rxSg', file: `${E}/intel/i40e/i40e_main.c`, line: 13841, pattern: 'NETDEV_XDP_ACT_RX_SG', shows: 'RX_SG advertised' },
  // Max MTU.
  { driver: 'nicvf', fact: 'maxMtu', file: `${E}/cavium/thunder/nicvf_main.c`, line: 37, pattern: '#define MAX_XDP_MTU\\s+\\(1530 - ETH_HLEN - VLAN_HLEN \\* 2\\)', shows: '1530 - 14 - 8 = 1508' },
  { driver: 'rvu_nicpf', fact: 'maxMtu', file: `${E}/marvell/octeontx2/nic/otx2_txrx.h`, line: 31, pattern: '#define MAX_XDP_MTU\\s+\\(1530 - OTX2_ETH_HLEN\\)', shows: '1530 - 22 = 1508' },
  { driver: 'igc', fact: 'maxMtu', file: `${E}/intel/igc/igc_main.c`, line: 5271, pattern: 'new_mtu > ETH_DATA_LEN', shows: 'MTU limited to 1500 with XDP' },
  { driver: 'mlx4_en', fact: 'maxMtu', file: `${E}/mellanox/mlx4/en_netdev.c`, line: 56, pattern: 'MLX4_EN_MAX_XDP_MTU \\(\\(int\\)\\(PAGE_SIZE - ETH_HLEN - \\(2 \\* VLAN_HLEN\\)', shows: '4096 - 14 - 8 - 256 - 320 = 3498' },
  { driver: 'ena', fact: 'maxMtu', file: `${E}/amazon/ena/ena_xdp.h`, line: 17, pattern: 'ENA_XDP_MAX_MTU \\(ENA_PAGE_SIZE - ETH_HLEN - ETH_FCS_LEN -', shows: '4096 - 14 - 4 - 4 - 256 - 320 = 3498' },
  { driver: 'bnxt_en', fact: 'maxMtu', file: `${E}/broadcom/bnxt/bnxt.h`, line: 767, pattern: 'PAGE_SIZE - VLAN_ETH_HLEN - NET_IP_ALIGN -', shows: '4096 - 18 - 0 - 256 - 320 = 3502' },
  { driver: 'tun', fact: 'redirectTarget', file: 'drivers/net/tun.c', line: 1410, pattern: 'NETDEV_XDP_ACT_NDO_XMIT', shows: 'TAP advertises NDO_XMIT' },
  // Core rules the analyses rest on.
  { driver: 'generic', fact: 'headroom', file: 'include/uapi/linux/bpf.h', line: 6442, pattern: '#define XDP_PACKET_HEADROOM 256', shows: 'XDP_PACKET_HEADROOM 256' },
];
