"""tests/labs/labs.py: the course's labs, what each handout removes, and how each is graded.

Read by tools/handout (which regions a lab's handout replaces by their
stubs) and tools/grade (the tests and their points). A lab's page is
docs/labs/labN.md.

Tests are of two kinds, both of which check effects rather than printed
lines:
- Unit(binary, case, points): one Check test function of a host unit-test
  binary in BUILD/host/bin (tests/unit).
- System(name, points): one system test of tests/system (a QEMU boot, or
  a scripted test with its own boots), as `tools/harness --only name` runs
  it: every check in it must pass.
"""
from collections import namedtuple

Unit = namedtuple("Unit", "binary case points")
System = namedtuple("System", "name points")


class Lab:
    def __init__(self, title, tests, builds_on_it=()):
        self.title = title
        self.tests = tests
        # Later labs whose solution regions go with this lab's in its
        # handout: they would give this lab's answer away, or cannot be
        # written before it.
        self.builds_on_it = tuple(builds_on_it)

    @property
    def points(self):
        return sum(t.points for t in self.tests)


LABS = {
    1: Lab("Boot: the multiboot2 information and boot memory", [
        Unit("check_multiboot2", "test_full", 4),
        Unit("check_multiboot2", "test_new_rsdp_preferred", 1),
        Unit("check_multiboot2", "test_empty_defaults", 1),
        Unit("check_multiboot2", "test_bad_total_size", 1),
        Unit("check_multiboot2", "test_tag_overruns", 2),
        Unit("check_multiboot2", "test_missing_end_tag", 1),
        Unit("check_multiboot2", "test_unterminated_strings", 2),
        Unit("check_multiboot2", "test_bad_module_and_mmap", 3),
        Unit("check_multiboot2", "test_too_many_modules", 2),
        Unit("check_multiboot2", "test_mmap_odd_entry_size", 2),
        Unit("check_multiboot2", "test_mmap_huge_entry_size", 2),
        Unit("check_bootmem", "test_add_rounds_inward_and_merges", 3),
        Unit("check_bootmem", "test_reserve_splits_trims_and_removes", 3),
        Unit("check_bootmem", "test_alloc_alignment_and_exhaustion", 3),
        Unit("check_bootmem", "test_region_table_full", 2),
        Unit("check_bootmem", "test_random_against_bitmap", 4),
        System("boot", 8),
    ]),
    2: Lab("Capabilities: retype, copy, mint and revoke", [
        Unit("check_retype", "test_retype_ram_into_each_type", 2),
        Unit("check_retype", "test_retype_many_and_rights", 2),
        Unit("check_retype", "test_retype_type_rules", 2),
        Unit("check_retype", "test_retype_size_errors", 2),
        Unit("check_retype", "test_retype_count_alignment_range", 2),
        Unit("check_retype", "test_retype_destination_errors", 1),
        Unit("check_retype", "test_retype_overlap", 2),
        Unit("check_retype", "test_retype_high_addresses", 1),
        Unit("check_caps", "test_copy_reduces_rights", 2),
        Unit("check_caps", "test_copy_errors", 2),
        Unit("check_caps", "test_mint_endpoint_badge", 2),
        Unit("check_caps", "test_mint_io_ranges", 2),
        Unit("check_caps", "test_mint_other_types", 1),
        Unit("check_caps", "test_revoke_copies_and_descendants", 3),
        Unit("check_caps", "test_revoke_spares_owner", 3),
        Unit("check_caps", "test_revoke_destroys_own_cnode", 2),
        Unit("check_caps_random", "test_random_sequences", 5),
        System("kutest", 6),
    ]),
    3: Lab("System calls and LMP: the message path, cap transfer and timed receives", [
        Unit("check_lmp", "test_recv_blocks_then_send_delivers", 2),
        Unit("check_lmp", "test_send_blocks_then_recv_takes", 2),
        Unit("check_lmp", "test_nonblocking_and_rights", 2),
        Unit("check_lmp", "test_cap_transfer", 3),
        Unit("check_lmp", "test_call_and_reply", 3),
        Unit("check_lmp", "test_notifications", 2),
        Unit("check_lmp", "test_user_notifications", 1),
        Unit("check_lmp", "test_endpoint_deleted_wakes_waiters", 1),
        Unit("check_lmp", "test_dispatcher_deleted_while_blocked", 1),
        Unit("check_lmp", "test_notify_exit", 1),
        Unit("check_lmp", "test_timed_recv_expires", 2),
        Unit("check_lmp", "test_timed_recv_message_first", 2),
        Unit("check_lmp", "test_timed_recv_errors_and_stop", 2),
        Unit("check_lmp", "test_timed_call", 2),
        Unit("check_lmp_fastpath", "test_fast_and_general_paths_agree", 4),
        Unit("check_lmp_fastpath", "test_fast_path_declines", 2),
        Unit("check_lmp_fastpath", "test_fast_call_and_reply", 2),
        System("kutest", 6),
        System("shell", 8),
    ]),
    4: Lab("Memory: mem_serv's allocator and the heap's page faults", [
        Unit("check_mm", "test_first_fit_and_alignment", 4),
        Unit("check_mm", "test_bad_requests", 3),
        Unit("check_mm", "test_merge_back", 3),
        Unit("check_mm", "test_free_all_and_regions", 3),
        Unit("check_mm", "test_held_until_released", 3),
        Unit("check_mm", "test_random_against_page_map", 4),
        Unit("check_mm", "test_every_other_page", 1),
        Unit("check_mm", "test_most_intervals", 1),
        System("shell", 10),
        System("kfuzz", 8),
    ]),
    5: Lab("Processes: loading an ELF program, and ending a process", [
        Unit("check_elf", "test_good_image", 3),
        Unit("check_elf", "test_bad_header", 2),
        Unit("check_elf", "test_program_headers_outside", 2),
        Unit("check_elf", "test_dynamic", 1),
        Unit("check_elf", "test_segment_data_outside", 2),
        Unit("check_elf", "test_segment_addresses", 2),
        Unit("check_elf", "test_segment_order", 2),
        Unit("check_elf", "test_segment_count", 2),
        Unit("check_elf", "test_entry_point", 2),
        Unit("check_elf", "test_random_mutations", 4),
        # shell: 10, and 6 for two of its checks that end processes
        # (procs.waited_entries_reused, mc.kill_remote: docs/labs/lab5.md).
        System("shell", 16),
        System("churn", 6),
        System("user_elf", 2),
    ]),
    6: Lab("Multicore: UMP channels and spawning on another core", [
        Unit("check_ump", "test_in_order_both_ways", 3),
        Unit("check_ump", "test_full_until_acked", 4),
        Unit("check_ump", "test_wrap_around", 3),
        Unit("check_ump", "test_closed", 3),
        Unit("check_ump", "test_sleep_flag", 3),
        Unit("check_ump", "test_message_appears_whole", 2),
        Unit("check_ump", "test_two_threads", 4),
        System("multicore", 18),
    ]),
    7: Lab("A driver under an IOMMU: the igb VF's receive and transmit rings", [
        Unit("check_igb_vf", "test_tx_batch_one_doorbell", 2),
        Unit("check_igb_vf", "test_tx_bad_and_full", 3),
        Unit("check_igb_vf", "test_tx_stops_without_vfte", 1),
        Unit("check_igb_vf", "test_tx_csum_context", 2),
        Unit("check_igb_vf", "test_rx_unicast_and_broadcast", 2),
        Unit("check_igb_vf", "test_rx_csum_status", 1),
        Unit("check_igb_vf", "test_rx_refill_and_overrun", 4),
        Unit("check_igb_vf", "test_rx_errors_dropped_and_counted", 3),
        Unit("check_igb_vf", "test_rx_oversized", 3),
        Unit("check_igb_vf", "test_loopback_between_vfs", 2),
        Unit("check_igb_vf", "test_irq_polling_switch", 1),
        Unit("check_igb_vf", "test_rss_spreads_flows_over_both_pairs", 2),
        System("igbtest", 5),
        System("vnic", 9),
    ]),
    8: Lab("Kernel bypass: a native-API UDP echo server", [
        System("rawlink", 15),
        System("drops", 15),
        System("rss", 10),
    ]),
}


def removed(n):
    """The labs whose regions lab n's handout replaces by their stubs."""
    return {n} | set(LABS[n].builds_on_it)


def page(n):
    return f"docs/labs/lab{n}.md"
