//! Every limit, at the limit and one past it (the same cases as test/limits.test.ts): each is a
//! typed error or a documented saturation.

use trace_lineage_core::codes::ErrorCode;
use trace_lineage_core::rewrite::MAX_MAX_ENTRIES;
use trace_lineage_core::{enter, resource_hash, set_field, EnterOptions, Options, TraceHeader, MAX_MAX_FIELDS, MAX_MAX_LENGTH};

const ROOT: &str = "Root=1-5759e988-bd862e3fe1be46a994272793";

/// `Root=…;Pad=ppp…` of exactly `length` bytes.
fn padded(length: usize) -> String {
    format!("{ROOT};Pad={}", "p".repeat(length - ROOT.len() - 5))
}

/// `count` fields `k0=v;k1=v;…`.
fn fields(count: usize) -> String {
    (0..count).map(|i| format!("k{i}=v")).collect::<Vec<_>>().join(";")
}

/// A loop field of `count` other resources' entries (hashes 1, 2, …), each with count 1.
fn entries(count: usize) -> String {
    (1..=count).map(|i| format!("{i:08x}:1")).collect::<Vec<_>>().join("|")
}

fn own() -> u32 {
    resource_hash(b"orders")
}

fn parse_error(input: &str, options: &Options<'_>) -> Option<(ErrorCode, usize)> {
    TraceHeader::parse(input.as_bytes(), options).err().map(|e| (e.code, e.offset))
}

/// Enter `orders`: (count, is_loop, evicted, outgoing header) or the error.
fn enter_orders(input: &str, options: &Options<'_>, counter: EnterOptions) -> Result<(u32, bool, u32, String), (ErrorCode, usize)> {
    let mut out = vec![0u8; input.len() + options.loop_key.len() + 21];
    let entered = enter(input.as_bytes(), options, own(), &counter, &mut out).map_err(|e| (e.code, e.offset))?;
    let header = String::from_utf8(out[..entered.length].to_vec()).unwrap_or_default();
    Ok((entered.count, entered.is_loop, entered.evicted, header))
}

fn set(input: &str, options: &Options<'_>, key: &str, value: &str) -> Result<String, (ErrorCode, usize)> {
    let mut out = vec![0u8; options.max_length as usize];
    let splice = set_field(input.as_bytes(), options, key.as_bytes(), value.as_bytes(), &mut out).map_err(|e| (e.code, e.offset))?;
    let header = [&input.as_bytes()[..splice.start], &out[..splice.insert_length], &input.as_bytes()[splice.end..]].concat();
    Ok(String::from_utf8(header).unwrap_or_default())
}

fn defaults() -> Options<'static> {
    Options::default()
}

#[test]
fn max_length_parse() {
    assert_eq!(parse_error(&padded(8192), &defaults()), None);
    assert_eq!(parse_error(&padded(8193), &defaults()), Some((ErrorCode::TooLong, 8192)));
    let hundred = Options { max_length: 100, ..defaults() };
    assert_eq!(parse_error(&padded(100), &hundred), None);
    assert_eq!(parse_error(&padded(101), &hundred), Some((ErrorCode::TooLong, 100)));
}

#[test]
fn max_length_rewrites() {
    assert_eq!(set(&padded(8188), &defaults(), "A", "b").map(|h| h.len()), Ok(8192));
    assert_eq!(set(&padded(8189), &defaults(), "A", "b"), Err((ErrorCode::TooLong, 8192)));
    assert_eq!(enter_orders(&padded(8171), &defaults(), EnterOptions::default()).map(|r| r.3.len()), Ok(8192));
    assert_eq!(enter_orders(&padded(8172), &defaults(), EnterOptions::default()), Err((ErrorCode::TooLong, 8192)));
}

#[test]
fn max_length_option() {
    let invalid = Err(ErrorCode::InvalidOption);
    assert_eq!(Options { max_length: MAX_MAX_LENGTH, ..defaults() }.validate().map_err(|e| e.code), Ok(()));
    assert_eq!(Options { max_length: MAX_MAX_LENGTH + 1, ..defaults() }.validate().map_err(|e| e.code), invalid);
    assert_eq!(Options { max_length: 0, ..defaults() }.validate().map_err(|e| e.code), invalid);
}

#[test]
fn max_fields_parse() {
    assert_eq!(parse_error(&fields(64), &defaults()), None);
    assert_eq!(parse_error(&format!(";;{};;", fields(64)), &defaults()), None);
    let over = fields(65);
    assert_eq!(parse_error(&over, &defaults()), Some((ErrorCode::TooManyFields, over.find("k64").unwrap_or(0))));
    let three = Options { max_fields: 3, ..defaults() };
    assert_eq!(parse_error(&fields(4), &three), Some((ErrorCode::TooManyFields, 15)));
}

/// Found by fuzz/rewrite: appending a field to a header at the limit wrote a header the next
/// parse refused. A rewrite now refuses it, at the offset where the field would go.
#[test]
fn max_fields_rewrites() {
    let three = Options { max_fields: 3, ..defaults() };
    assert_eq!(set(&fields(3), &three, "k2", "w").as_deref(), Ok("k0=v;k1=v;k2=w"));
    assert_eq!(set(&fields(3), &three, "k3", "v"), Err((ErrorCode::TooManyFields, 14)));
    assert_eq!(set(&fields(2), &three, "k2", "v"), Ok(fields(3)));
    let counter = EnterOptions::default();
    assert_eq!(enter_orders(&fields(3), &three, counter), Err((ErrorCode::TooManyFields, 14)));
    let with_loop = format!("k0=v;k1=v;LoopGuard={:08x}:1", own());
    assert_eq!(enter_orders(&with_loop, &three, counter).map(|r| r.0), Ok(2));
    assert_eq!(enter_orders(&fields(2), &three, counter).map(|r| r.0), Ok(1));
}

#[test]
#[cfg_attr(miri, ignore = "thousands of fields or entries: hours under Miri")]
fn max_fields_option() {
    let wide = Options { max_fields: MAX_MAX_FIELDS, max_length: 1 << 16, ..defaults() };
    assert_eq!(wide.validate(), Ok(()));
    assert_eq!(parse_error(&fields(4096), &wide), None);
    assert_eq!(parse_error(&fields(4097), &wide).map(|e| e.0), Some(ErrorCode::TooManyFields));
    assert_eq!(Options { max_fields: MAX_MAX_FIELDS + 1, ..defaults() }.validate().map_err(|e| e.code), Err(ErrorCode::InvalidOption));
    assert_eq!(Options { max_fields: 0, ..defaults() }.validate().map_err(|e| e.code), Err(ErrorCode::InvalidOption));
}

#[test]
fn max_entries_evicts() {
    let counter = EnterOptions::default();
    let at_limit = enter_orders(&format!("{ROOT};LoopGuard={}", entries(7)), &defaults(), counter);
    assert_eq!(at_limit.map(|r| r.2), Ok(0));
    let past = enter_orders(&format!("{ROOT};LoopGuard={}", entries(8)), &defaults(), counter);
    let expected = format!("{ROOT};LoopGuard={}|{:08x}:1", &entries(8)[11..], own());
    assert_eq!(past.map(|r| (r.2, r.3)), Ok((1, expected)));
}

#[test]
#[cfg_attr(miri, ignore = "thousands of fields or entries: hours under Miri")]
fn max_entries_option() {
    let wide = Options { max_length: 1 << 16, ..defaults() };
    let counter = EnterOptions { max_entries: MAX_MAX_ENTRIES, ..EnterOptions::default() };
    assert_eq!(enter_orders(&format!("{ROOT};LoopGuard={}", entries(1023)), &wide, counter).map(|r| r.2), Ok(0));
    assert_eq!(enter_orders(&format!("{ROOT};LoopGuard={}", entries(1024)), &wide, counter).map(|r| r.2), Ok(1));
    let one = EnterOptions { max_entries: 1, ..EnterOptions::default() };
    let expected = format!("{ROOT};LoopGuard={:08x}:1", own());
    assert_eq!(enter_orders(&format!("{ROOT};LoopGuard={}", entries(3)), &defaults(), one).map(|r| (r.2, r.3)), Ok((3, expected)));
    for max_entries in [0, MAX_MAX_ENTRIES + 1] {
        let invalid = EnterOptions { max_entries, ..EnterOptions::default() };
        assert_eq!(enter_orders(ROOT, &defaults(), invalid).map(|r| r.0), Err((ErrorCode::InvalidOption, 0)));
    }
}

#[test]
fn counts_saturate_at_the_default_ceiling() {
    let counter = EnterOptions::default();
    let own = own();
    for (written, expected) in
        [("4294967294", u32::MAX), ("4294967295", u32::MAX), ("4294967296", u32::MAX), (&"9".repeat(40)[..], u32::MAX)]
    {
        let input = format!("{ROOT};LoopGuard={own:08x}:{written}");
        assert_eq!(enter_orders(&input, &defaults(), counter).map(|r| r.0), Ok(expected), "{written}");
    }
}

#[test]
fn max_count_saturates() {
    let counter = EnterOptions { threshold: 3, max_count: 4, ..EnterOptions::default() };
    for written in [3, 4, 5] {
        let input = format!("{ROOT};LoopGuard={:08x}:{written}", own());
        assert_eq!(enter_orders(&input, &defaults(), counter).map(|r| (r.0, r.1)), Ok((4, true)), "{written}");
    }
    let at_threshold = EnterOptions { threshold: 3, max_count: 3, ..EnterOptions::default() };
    assert_eq!(enter_orders(ROOT, &defaults(), at_threshold).map(|r| r.0), Err((ErrorCode::InvalidOption, 0)));
}

#[test]
fn threshold() {
    let counter = EnterOptions { threshold: 5, ..EnterOptions::default() };
    let own = own();
    assert_eq!(enter_orders(&format!("{ROOT};LoopGuard={own:08x}:4"), &defaults(), counter).map(|r| (r.0, r.1)), Ok((5, false)));
    assert_eq!(enter_orders(&format!("{ROOT};LoopGuard={own:08x}:5"), &defaults(), counter).map(|r| (r.0, r.1)), Ok((6, true)));
    let highest = EnterOptions { threshold: u32::MAX - 1, ..EnterOptions::default() };
    let forged = format!("{ROOT};LoopGuard={own:08x}:{}", "9".repeat(20));
    assert_eq!(enter_orders(&forged, &defaults(), highest).map(|r| (r.0, r.1)), Ok((u32::MAX, true)));
    let past = EnterOptions { threshold: u32::MAX, ..EnterOptions::default() };
    assert_eq!(enter_orders(ROOT, &defaults(), past).map(|r| r.0), Err((ErrorCode::InvalidOption, 0)));
}

/// The eviction on a loop field full of entries, many with equal counts, against the rank
/// definition written out (the core finds the same entries by a binary search over counts: the
/// rank per entry it replaced was quadratic in the header's length).
#[test]
#[cfg_attr(miri, ignore = "thousands of fields or entries: hours under Miri")]
fn max_entries_evicts_the_lowest_on_a_full_header() {
    let wide = Options { max_length: 1 << 16, ..defaults() };
    let counts: Vec<u32> = (0..2000u32).map(|i| [0, u32::MAX - 4, 7, 3, 7, 1][i as usize % 6] + i % 5).collect();
    let entries: Vec<String> = counts.iter().enumerate().map(|(i, count)| format!("{:08x}:{count}", i + 1)).collect();
    let input = format!("{ROOT};LoopGuard={}", entries.join("|"));
    let rank: Vec<usize> = (0..counts.len())
        .map(|i| (0..counts.len()).filter(|&j| counts[j] < counts[i] || (counts[j] == counts[i] && j < i)).count())
        .collect();
    for max_entries in [1, 2, 8, 100, MAX_MAX_ENTRIES] {
        let counter = EnterOptions { max_entries, ..EnterOptions::default() };
        let evict = counts.len() - (max_entries as usize - 1);
        let kept: Vec<&str> = (0..counts.len()).filter(|&i| rank[i] >= evict).map(|i| &entries[i][..]).collect();
        let expected = [kept, vec![&format!("{:08x}:1", own())[..]]].concat().join("|");
        let result = enter_orders(&input, &wide, counter);
        assert_eq!(result.map(|r| (r.2 as usize, r.3)), Ok((evict, format!("{ROOT};LoopGuard={expected}"))), "{max_entries}");
    }
}
