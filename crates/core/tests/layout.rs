//! The record layout gives every slot one meaning: within a record no two named slots share a
//! place, and the fixed slots end where the variable parts begin.

use trace_lineage_core::record::{self, LAYOUT};
use trace_lineage_core::Accessor;

/// Every named slot of the records whose names start with `prefix`, with the slots it spans.
fn slots(prefix: &str) -> Vec<(&'static str, std::ops::Range<usize>)> {
    let accessor_slots = 2 * (Accessor::Loop as usize + 1);
    LAYOUT
        .iter()
        .filter(|(name, _)| name.starts_with(prefix))
        .map(|&(name, slot)| (name, slot..slot + if name == "S_ACCESSORS" { accessor_slots } else { 1 }))
        .collect()
}

fn assert_disjoint(named: &[(&str, std::ops::Range<usize>)]) {
    for (i, (name, range)) in named.iter().enumerate() {
        for (other, other_range) in &named[i + 1..] {
            assert!(range.end <= other_range.start || other_range.end <= range.start, "{name} {range:?} overlaps {other} {other_range:?}");
        }
    }
}

#[test]
fn parse_and_set_records_give_each_slot_one_meaning() {
    let fixed = slots("S_");
    assert_eq!(fixed.len(), 16);
    assert_disjoint(&fixed);
    let end = fixed.iter().map(|(_, range)| range.end).max();
    assert_eq!(end, Some(record::FIELDS_BASE), "the fields start right after the fixed slots");
}

#[test]
fn batch_slots_give_each_slot_one_meaning() {
    let batch = slots("B_");
    assert_eq!(batch.len(), 7);
    assert_disjoint(&batch);
    assert_eq!(batch.iter().map(|(_, range)| range.end).max(), Some(record::BATCH_SLOTS));
}

#[test]
fn layout_names_are_unique() {
    let mut names: Vec<&str> = LAYOUT.iter().map(|(name, _)| *name).collect();
    names.sort_unstable();
    names.dedup();
    assert_eq!(names.len(), LAYOUT.len());
}

#[test]
fn a_set_record_holds_the_splice_a_parse_record_never_writes_there() {
    let header = b"Root=1-5759e988-bd862e3fe1be46a994272793;Lineage=a87bd80c:1|68fd508a:5;LoopGuard=896be351:3";
    let options = trace_lineage_core::Options::default();
    let mut parsed = vec![NOT_WRITTEN; record::capacity(header.len(), options.max_fields as usize)];
    assert_eq!(record::parse(header, &options, &mut parsed), 0);
    for slot in [record::S_SPLICE_START, record::S_SPLICE_END, record::S_INSERT_LENGTH] {
        assert_eq!(parsed[slot], NOT_WRITTEN, "a parse wrote slot {slot}");
    }
    let mut set = [NOT_WRITTEN; record::SPLICE_RECORD_LENGTH];
    let mut insert = [0u8; 16];
    assert_eq!(record::set_field(header, &options, b"Sampled", b"1", &mut set, &mut insert), 0);
    let end = header.len() as u32;
    assert_eq!([set[record::S_SPLICE_START], set[record::S_SPLICE_END], set[record::S_INSERT_LENGTH]], [end, end, 10]);
    assert_eq!(&insert[..10], b";Sampled=1");
}

const NOT_WRITTEN: u32 = 0xdead_beef;
