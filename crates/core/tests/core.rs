//! The core's behaviour, on the same examples as test/parse.test.ts and test/rewrite.test.ts.

use trace_lineage_core::codes::{DiagnosticCode as D, ErrorCode, Reason};
use trace_lineage_core::validate::{lineage_format, Entries, LineageFormat};
use trace_lineage_core::{enter, record, resource_hash, set_field, EnterOptions, Options, Splice, TraceHeader};

/// The input with `splice` applied: what a setter's caller builds from the bytes it inserts.
fn spliced(input: &[u8], splice: &Splice, insert: &[u8]) -> Vec<u8> {
    [&input[..splice.start], &insert[..splice.insert_length], &input[splice.end..]].concat()
}

const ROOT: &str = "1-5759e988-bd862e3fe1be46a994272793";
const FULL: &[u8] = b"Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1;Lineage=a87bd80c:1|68fd508a:5";

fn parse(input: &[u8]) -> Result<TraceHeader<'_>, (ErrorCode, usize)> {
    TraceHeader::parse(input, &Options::default()).map_err(|e| (e.code, e.offset))
}

#[test]
fn full_header() {
    let header = parse(FULL).expect("valid");
    let fields: Vec<_> = header.fields().map(|f| (&FULL[f.key_start..f.key_end], f.value.map(|(s, e)| &FULL[s..e]))).collect();
    assert_eq!(fields.len(), 4);
    assert_eq!(fields[0], (&b"Root"[..], Some(ROOT.as_bytes())));
    assert_eq!(header.root().map(|v| v.validity), Some(Ok(())));
    assert_eq!(header.parent().map(|v| v.validity), Some(Ok(())));
    assert_eq!(header.sampled().map(|v| v.validity), Some(Ok(())));
    assert_eq!(header.lineage().map(|v| v.validity), Some(Ok(())));
    assert!(header.self_().is_none() && header.loop_field().is_none());
    assert_eq!(header.diagnostics(b"LoopGuard").count(), 0);
    assert_eq!(header.as_bytes(), FULL);
    let lineage = header.lineage().map(|v| v.value).unwrap_or_default();
    assert_eq!(lineage_format(lineage), LineageFormat::V1);
    let counts: Vec<u32> = Entries::new(lineage).filter_map(Result::ok).map(|e| e.count).collect();
    assert_eq!(counts, [1, 5]);
}

#[test]
fn lenient_tokenising_and_diagnostics() {
    let input =
        b" root = 1-5759e988-bd862e3fe1be46a994272793 ;;;Parent=53995c3f42cd8ad8;Flag;=x;Root=1-5759e988-bd862e3fe1be46a994272794; ";
    let header = parse(input).expect("lenient");
    assert_eq!(header.field_count(), 5);
    let diagnostics: Vec<_> = header.diagnostics(b"LoopGuard").map(|d| (d.code, d.offset)).collect();
    assert_eq!(
        diagnostics,
        [
            (D::Whitespace, 0),
            (D::KeyCase, 1),
            (D::EmptyField, 45),
            (D::MissingEquals, 71),
            (D::EmptyKey, 76),
            (D::DuplicateKey, 79),
            (D::TrailingSemicolon, 119)
        ]
    );
    assert_eq!(header.diagnostic_count(), 7);
    assert_eq!(header.root().map(|v| v.value), Some(&b"1-5759e988-bd862e3fe1be46a994272794"[..]));
}

#[test]
fn accessor_reasons() {
    let header = parse(b"Root=2-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f;Sampled=yes;Self=").expect("parses");
    assert_eq!(header.root().map(|v| v.validity), Some(Err(Reason::Version)));
    assert_eq!(header.parent().map(|v| v.validity), Some(Err(Reason::Length)));
    assert_eq!(header.sampled().map(|v| v.validity), Some(Err(Reason::SampledValue)));
    assert_eq!(header.self_().map(|v| v.validity), Some(Err(Reason::Empty)));
}

#[test]
fn hard_errors() {
    assert_eq!(parse(b"").err(), Some((ErrorCode::Empty, 0)));
    assert_eq!(parse(b" ; ;").err(), Some((ErrorCode::Empty, 0)));
    assert_eq!(parse(b"Root=x\r\nInjected: 1").err(), Some((ErrorCode::InvalidByte, 6)));
    assert_eq!(parse("Root=é".as_bytes()).err(), Some((ErrorCode::InvalidByte, 5)));
    assert_eq!(parse(&[b'x'; 8193]).err(), Some((ErrorCode::TooLong, 8192)));
    assert!(parse(&[b'x'; 8192]).is_ok());
    let mut late = vec![b'x'; 9000];
    late[100] = b'\n';
    assert_eq!(parse(&late).err(), Some((ErrorCode::InvalidByte, 100)));
    let few = Options { max_fields: 2, ..Options::default() };
    assert_eq!(TraceHeader::parse(b"a=1;b=2;c=3", &few).map_err(|e| (e.code, e.offset)).err(), Some((ErrorCode::TooManyFields, 8)));
    let bad_key = Options { loop_key: b"root", ..Options::default() };
    assert_eq!(bad_key.validate().map_err(|e| e.code), Err(ErrorCode::InvalidOption));
}

fn enter_string(input: &[u8], resource: &str, options: EnterOptions) -> (u32, bool, String) {
    let mut out = [0u8; 8192];
    let entered = enter(input, &Options::default(), resource_hash(resource.as_bytes()), &options, &mut out).expect("enters");
    let header = String::from_utf8(out[..entered.length].to_vec()).expect("ascii");
    (entered.count, entered.is_loop, header)
}

#[test]
fn enter_counts_and_stops_the_17th() {
    let own = format!("{:08x}", resource_hash(b"orders"));
    let mut header = FULL.to_vec();
    for expected in 1..=17u32 {
        let (count, is_loop, next) = enter_string(&header, "orders", EnterOptions::default());
        assert_eq!((count, is_loop), (expected, expected > 16));
        header = next.into_bytes();
    }
    let full = core::str::from_utf8(FULL).unwrap_or_default();
    assert_eq!(String::from_utf8(header).unwrap_or_default(), format!("{full};LoopGuard={own}:17"));
}

#[test]
fn enter_evicts_lowest_counts_and_repairs() {
    let own = format!("{:08x}", resource_hash(b"orders"));
    let input = format!("Root={ROOT};LoopGuard=11111111:5|22222222:1|33333333:1");
    let (_, _, out) = enter_string(input.as_bytes(), "orders", EnterOptions { threshold: 16, max_entries: 3, max_count: u32::MAX });
    assert_eq!(out, format!("Root={ROOT};LoopGuard=11111111:5|33333333:1|{own}:1"));
    let input = format!("Root={ROOT};LoopGuard=zz|11111111:2||{own}:2|{own}:9");
    let mut buffer = [0u8; 256];
    let entered =
        enter(input.as_bytes(), &Options::default(), resource_hash(b"orders"), &EnterOptions::default(), &mut buffer).expect("enters");
    assert_eq!((entered.count, entered.dropped), (10, 3));
    let input = format!("Root={ROOT};LoopGuard={own}:99999999999");
    assert_eq!(enter_string(input.as_bytes(), "orders", EnterOptions::default()).0, u32::MAX);
    let ceiling = EnterOptions { max_count: 100, ..EnterOptions::default() };
    assert_eq!(enter_string(input.as_bytes(), "orders", ceiling), (100, true, format!("Root={ROOT};LoopGuard={own}:100")));
    let input = format!("Root={ROOT};LoopGuard={own}:98");
    assert_eq!(enter_string(input.as_bytes(), "orders", ceiling).0, 99);
    let bad = EnterOptions { max_count: 16, ..EnterOptions::default() };
    let mut buffer = [0u8; 256];
    let refused = enter(input.as_bytes(), &Options::default(), 1, &bad, &mut buffer).map_err(|e| e.code);
    assert_eq!(refused.err(), Some(ErrorCode::InvalidOption));
}

#[test]
fn set_field_and_limits() {
    let mut out = [0u8; 64];
    let splice = set_field(FULL, &Options::default(), b"sampled", b"0", &mut out).expect("sets");
    let expected = String::from_utf8_lossy(FULL).replace("Sampled=1", "Sampled=0");
    assert_eq!(spliced(FULL, &splice, &out), expected.as_bytes());
    let lineage = set_field(FULL, &Options::default(), b"Lineage", b"1:fe460cdd:0", &mut out).map_err(|e| (e.code, e.offset));
    assert_eq!(lineage.err(), Some((ErrorCode::InvalidKey, 0)));
    let long = vec![b'x'; 8190];
    let too_long = set_field(&long, &Options::default(), b"A", b"b", &mut out).map_err(|e| (e.code, e.offset));
    assert_eq!(too_long.err(), Some((ErrorCode::TooLong, 8192)));
}

#[test]
fn record_never_panics_on_small_buffers() {
    let mut tiny = [0u32; 4];
    assert_eq!(record::parse(FULL, &Options::default(), &mut tiny), ErrorCode::BufferTooSmall as u32);
    let mut none: [u32; 0] = [];
    assert_eq!(record::parse(FULL, &Options::default(), &mut none), ErrorCode::BufferTooSmall as u32);
    let mut insert = [0u8; 2];
    let mut small = [0u32; record::SPLICE_RECORD_LENGTH];
    assert_eq!(record::set_field(FULL, &Options::default(), b"Foo", b"bar", &mut small, &mut insert), ErrorCode::BufferTooSmall as u32);
}

#[test]
fn enter_batch_equals_entering_each_header() {
    let own = format!("{:08x}", resource_hash(b"orders"));
    let headers: [&[u8]; 5] = [FULL, b"Root=x\r\n", b"", b"Root=1;LoopGuard=11111111:2|22222222:5", b"a=1;b=2"];
    let input: Vec<u8> = headers.concat();
    let lengths: Vec<u32> = headers.iter().map(|h| h.len() as u32).collect();
    let options = Options::default();
    let hash = resource_hash(b"orders");
    let counter = EnterOptions { threshold: 1, max_entries: 2, max_count: u32::MAX };
    let mut slots = vec![0u32; headers.len() * record::BATCH_SLOTS];
    let mut output = vec![0u8; record::batch_output_capacity(input.len(), headers.len(), options.loop_key.len())];
    assert_eq!(record::enter_batch(&input, &lengths, &options, hash, &counter, &mut slots, &mut output), 0);
    let mut start = 0;
    for (header, slots) in headers.iter().zip(slots.chunks_exact(record::BATCH_SLOTS)) {
        let end = slots[record::B_OUTPUT_END] as usize;
        let mut alone = [0u8; 256];
        match enter(header, &options, hash, &counter, &mut alone) {
            Ok(entered) => {
                let expected = [0, 0, entered.count, u32::from(entered.is_loop), entered.evicted, entered.dropped];
                assert_eq!(slots[..record::B_OUTPUT_END], expected);
                assert_eq!(&output[start..end], &alone[..entered.length]);
                // The splice says where the new bytes are: the input's others around them.
                let Splice { start: from, end: to, insert_length } = entered.splice;
                let inserted = &alone[from..from + insert_length];
                assert_eq!(spliced(header, &entered.splice, inserted), &alone[..entered.length]);
                assert_eq!(entered.length, header.len() - (to - from) + insert_length);
            }
            Err(error) => {
                assert_eq!(slots[..record::B_COUNT], [error.code as u32, error.offset as u32]);
                assert_eq!(end, start);
            }
        }
        start = end;
    }
    assert_eq!(
        &output[..slots[record::B_OUTPUT_END] as usize],
        format!("{};LoopGuard={own}:1", core::str::from_utf8(FULL).unwrap_or_default()).as_bytes()
    );
    assert_eq!(slots[record::BATCH_SLOTS + record::B_STATUS], ErrorCode::InvalidByte as u32);
    assert_eq!(slots[2 * record::BATCH_SLOTS + record::B_STATUS], ErrorCode::Empty as u32);
    assert_eq!(
        &output[slots[2 * record::BATCH_SLOTS + record::B_OUTPUT_END] as usize
            ..slots[3 * record::BATCH_SLOTS + record::B_OUTPUT_END] as usize],
        format!("Root=1;LoopGuard=22222222:5|{own}:1").as_bytes()
    );

    // Whole-batch errors: buffers too small (a binding bug).
    assert_eq!(
        record::enter_batch(&input, &lengths, &options, hash, &counter, &mut slots[..4], &mut output),
        ErrorCode::BufferTooSmall as u32
    );
    assert_eq!(
        record::enter_batch(&input, &lengths, &options, hash, &counter, &mut slots, &mut output[..10]),
        ErrorCode::BufferTooSmall as u32
    );
    assert_eq!(
        record::enter_batch(&input[..10], &lengths, &options, hash, &counter, &mut slots, &mut output),
        ErrorCode::BufferTooSmall as u32
    );
    // Unusable options are each header's error, as when entering it alone.
    let unusable = EnterOptions { max_count: 1, ..counter };
    assert_eq!(record::enter_batch(&input, &lengths, &options, hash, &unusable, &mut slots, &mut output), 0);
    assert!(slots.chunks_exact(record::BATCH_SLOTS).all(|slots| slots == [ErrorCode::InvalidOption as u32, 0, 0, 0, 0, 0, 0]));
}
