//! Oracles shared by the fuzz targets of `trace-lineage-core`.
//!
//! Each target checks the core against an obviously-correct naive model written here with `std`
//! and allocation (split on `;`, trim, split at the first `=`; split entries on `|` and `:`), not
//! just that it does not panic. A panic in a check is a finding.
//!
//! A fuzz input is an optional config line, then the header: `config \n header`. Without a `\n`
//! the whole input is the header and every option has its default, so the seed corpus
//! (`fuzz/seeds/`) is plain, readable headers. Config bytes past the end read as 0 (= default).

use std::ops::Range;

use trace_lineage_core::codes::{DiagnosticCode, ErrorCode};
use trace_lineage_core::rewrite::{EnterOptions, Splice, MAX_MAX_ENTRIES};
use trace_lineage_core::validate::{self, Entries, LineageFormat};
use trace_lineage_core::{
    enter, record, resource_hash, set_field, Accessor, Error, Options, TraceHeader, DEFAULT_MAX_FIELDS, DEFAULT_MAX_LENGTH, KNOWN_KEYS,
    MAX_MAX_FIELDS,
};

/// The input with `splice` applied: the header a setter's caller builds from the inserted bytes.
fn apply(input: &[u8], splice: &Splice, insert: &[u8]) -> Vec<u8> {
    [&input[..splice.start], &insert[..splice.insert_length], &input[splice.end..]].concat()
}

/// Loop keys the targets choose from (the last one differs from the first only in case).
pub const LOOP_KEYS: [&[u8]; 4] = [b"LoopGuard", b"Hops", b"x", b"loopguard"];

/// The config bytes and the header of a fuzz input.
pub fn split(data: &[u8]) -> (&[u8], &[u8]) {
    match data.iter().position(|&b| b == b'\n') {
        Some(newline) => (&data[..newline], &data[newline + 1..]),
        None => (&[], data),
    }
}

/// Config byte `at`, 0 (the default) past the end.
pub fn byte(config: &[u8], at: usize) -> u8 {
    config.get(at).copied().unwrap_or(0)
}

/// Config bytes 0..=2: the parse options, small limits often, so that they are met.
pub fn options(config: &[u8]) -> Options<'static> {
    let flags = byte(config, 0);
    let max_length = match flags & 3 {
        0 => DEFAULT_MAX_LENGTH,
        1 => 1 + u32::from(byte(config, 1)),
        2 => 1 + 32 * u32::from(byte(config, 1)),
        _ => 12,
    };
    let max_fields = match (flags >> 2) & 3 {
        0 => DEFAULT_MAX_FIELDS,
        1 => 1 + u32::from(byte(config, 2) % 8),
        2 => MAX_MAX_FIELDS,
        _ => 1,
    };
    Options { max_length, max_fields, loop_key: LOOP_KEYS[usize::from(flags >> 4) & 3] }
}

/// Config bytes 3..=6: the loop counter's options (always valid, as the API makes them).
pub fn enter_options(config: &[u8]) -> EnterOptions {
    if byte(config, 3) == 0 {
        return EnterOptions::default();
    }
    let threshold = u32::from(byte(config, 4) % 24);
    let max_entries = match byte(config, 5) {
        0 => 8,
        255 => MAX_MAX_ENTRIES,
        n => 1 + u32::from(n % 12),
    };
    let max_count = match byte(config, 6) {
        0 => u32::MAX,
        n => threshold + u32::from(n % 40) + 1,
    };
    EnterOptions { threshold, max_entries, max_count }
}

pub const fn is_whitespace(b: u8) -> bool {
    b == b' ' || b == b'\t'
}

pub const fn is_header_byte(b: u8) -> bool {
    matches!(b, b'\t' | b' '..=b'~')
}

/// `range` of `bytes` without leading and trailing spaces and tabs.
fn trim(bytes: &[u8], range: Range<usize>) -> Range<usize> {
    let (mut start, mut end) = (range.start, range.end);
    while start < end && is_whitespace(bytes[start]) {
        start += 1;
    }
    while end > start && is_whitespace(bytes[end - 1]) {
        end -= 1;
    }
    start..end
}

/// One field as the naive tokeniser sees it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NaiveField {
    pub key: Range<usize>,
    pub value: Option<Range<usize>>,
    /// End of the field's text (its value's end, or its key's).
    pub end: usize,
    /// Its segment holds whitespace besides the field's own `key=value` text.
    pub spaced: bool,
}

/// The naive tokeniser: split on `;`, trim, split at the first `=`, trim again.
pub fn naive_fields(input: &[u8]) -> Vec<NaiveField> {
    let mut fields = Vec::new();
    let mut segment_start = 0;
    for segment in input.split(|&b| b == b';') {
        let segment_range = segment_start..segment_start + segment.len();
        segment_start += segment.len() + 1;
        let text = trim(input, segment_range.clone());
        if text.is_empty() {
            continue;
        }
        let field = match input[text.clone()].iter().position(|&b| b == b'=') {
            None => NaiveField { key: text.clone(), value: None, end: text.end, spaced: false },
            Some(at) => NaiveField {
                key: trim(input, text.start..text.start + at),
                value: Some(trim(input, text.start + at + 1..text.end)),
                end: text.end,
                spaced: false,
            },
        };
        let compact = field.key.len() + field.value.as_ref().map_or(0, |value| value.len() + 1);
        fields.push(NaiveField { spaced: compact != segment_range.len(), ..field });
    }
    fields
}

/// One well-formed `<8 hex>:<decimal>` entry as the naive splitter sees it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NaiveEntry<'a> {
    /// `hash:digits`, as written.
    pub text: &'a [u8],
    pub hash: u32,
    pub count: u32,
}

/// Split on `|`, then on `:`: the well-formed entries, and how many pieces were not.
pub fn naive_entries(value: &[u8]) -> (Vec<NaiveEntry<'_>>, usize) {
    let mut entries = Vec::new();
    let mut malformed = 0;
    for piece in value.split(|&b| b == b'|') {
        let parts: Vec<&[u8]> = piece.split(|&b| b == b':').collect();
        let well_formed = parts.len() == 2
            && parts[0].len() == 8
            && parts[0].iter().all(u8::is_ascii_hexdigit)
            && !parts[1].is_empty()
            && parts[1].iter().all(u8::is_ascii_digit);
        if !well_formed {
            malformed += 1;
            continue;
        }
        let hash = parts[0].iter().fold(0u32, |acc, &b| (acc << 4) | (b as char).to_digit(16).unwrap_or(0));
        let count = parts[1].iter().fold(0u64, |acc, &b| (acc * 10 + u64::from(b - b'0')).min(1 << 32));
        entries.push(NaiveEntry { text: piece, hash, count: count.min(u64::from(u32::MAX)) as u32 });
    }
    (entries, malformed)
}

/// Whether a V2 Lineage is valid by the published rules, checked the naive way.
pub fn naive_lineage_v2(value: &[u8]) -> bool {
    let parts: Vec<&[u8]> = value.split(|&b| b == b':').collect();
    let number = |digits: &[u8], max: u64| {
        !digits.is_empty()
            && digits.iter().all(u8::is_ascii_digit)
            && digits.iter().fold(0u64, |acc, &b| (acc * 10 + u64::from(b - b'0')).min(1 << 32)) <= max
    };
    (12..=18).contains(&value.len())
        && parts.len() == 3
        && number(parts[0], 32767)
        && parts[1].len() == 8
        && parts[1].iter().all(|&b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
        && number(parts[2], 255)
}

/// The text of each naive field: its key, and its value if it has `=`.
fn field_texts<'a>(input: &'a [u8], fields: &[NaiveField]) -> Vec<(&'a [u8], Option<&'a [u8]>)> {
    fields.iter().map(|f| (&input[f.key.clone()], f.value.clone().map(|v| &input[v]))).collect()
}

/// The key of accessor `index` (the loop key is the sixth).
fn accessor_key(index: usize, loop_key: &[u8]) -> &[u8] {
    KNOWN_KEYS.get(index).copied().unwrap_or(loop_key)
}

/// The index of the last field with `=` whose key is `key` (ASCII case-insensitively).
pub fn last_with_key(input: &[u8], fields: &[NaiveField], key: &[u8]) -> Option<usize> {
    fields.iter().rposition(|f| f.value.is_some() && input[f.key.clone()].eq_ignore_ascii_case(key))
}

/// What the splice of `key` to `value` must produce: the last field with that key gets the
/// value, or `;key=value` goes after the last field. Every other byte stays.
pub fn expected_rewrite(input: &[u8], fields: &[NaiveField], key: &[u8], value: &[u8]) -> Vec<u8> {
    let (start, end, insert) = match last_with_key(input, fields, key).and_then(|i| fields[i].value.clone()) {
        Some(range) => (range.start, range.end, value.to_vec()),
        None => {
            let at = fields.last().map_or(0, |f| f.end);
            (at, at, [&b";"[..], key, b"=", value].concat())
        }
    };
    [&input[..start], &insert[..], &input[end..]].concat()
}

/// Parse `input` and check the result against the naive model; the header when accepted.
pub fn check_parse<'a>(input: &'a [u8], options: &Options<'_>) -> Result<TraceHeader<'a>, Error> {
    let parsed = TraceHeader::parse(input, options);
    let limit = options.max_length as usize;
    let first_invalid = input[..input.len().min(limit)].iter().position(|&b| !is_header_byte(b));
    let naive = naive_fields(input);
    let max_fields = options.max_fields as usize;
    check_record(input, options, &parsed);
    let header = match parsed {
        Err(error) => {
            match error.code {
                ErrorCode::Empty => {
                    assert_eq!(error.offset, 0);
                    assert!(input.is_empty() || (first_invalid.is_none() && input.len() <= limit && naive.is_empty()));
                }
                ErrorCode::InvalidByte => assert_eq!(first_invalid, Some(error.offset), "invalid byte at the first one"),
                ErrorCode::TooLong => {
                    assert!(first_invalid.is_none() && input.len() > limit, "too_long only past the limit");
                    assert_eq!(error.offset, limit, "too_long at the limit");
                }
                ErrorCode::TooManyFields => {
                    assert!(first_invalid.is_none() && input.len() <= limit && naive.len() > max_fields);
                    assert_eq!(error.offset, naive[max_fields].key.start, "at the first field too many");
                }
                code => panic!("parse returned {code:?}"),
            }
            assert!(error.offset < input.len() || error.offset == 0, "offset {} outside the input", error.offset);
            return Err(error);
        }
        Ok(header) => header,
    };
    assert!(first_invalid.is_none() && input.len() <= limit, "accepted a header past a hard limit");
    assert!(!naive.is_empty() && naive.len() <= max_fields);
    assert_eq!(header.as_bytes(), input);

    // The spans are the naive fields, and rebuilding from them and the bytes between them gives
    // the input back: separators are whitespace and `;`, and `=` with optional whitespace.
    let fields: Vec<_> = header.fields().collect();
    assert_eq!(fields.len(), header.field_count());
    assert_eq!(fields.len(), naive.len());
    let mut rebuilt = Vec::with_capacity(input.len());
    let mut at = 0;
    for (field, model) in fields.iter().zip(&naive) {
        assert_eq!(field.key_start..field.key_end, model.key);
        assert_eq!(field.value.map(|(start, end)| start..end), model.value);
        let gap = &input[at..field.key_start];
        assert!(gap.iter().all(|&b| b == b';' || is_whitespace(b)));
        assert!(at == 0 || gap.contains(&b';'), "two fields without a `;` between them");
        rebuilt.extend_from_slice(gap);
        rebuilt.extend_from_slice(&input[field.key_start..field.key_end]);
        if let Some((start, end)) = field.value {
            let between = &input[field.key_end..start];
            assert_eq!(between.iter().filter(|&&b| b == b'=').count(), 1);
            assert!(between.iter().all(|&b| b == b'=' || is_whitespace(b)));
            rebuilt.extend_from_slice(between);
            rebuilt.extend_from_slice(&input[start..end]);
        }
        at = field.end();
    }
    assert_eq!(header.last_field_end(), at);
    assert!(input[at..].iter().all(|&b| b == b';' || is_whitespace(b)));
    rebuilt.extend_from_slice(&input[at..]);
    assert_eq!(rebuilt, input, "round trip from the spans");

    // Written again without any whitespace or empty field, the header has the same fields.
    let texts = field_texts(input, &naive);
    let canonical: Vec<u8> = texts
        .iter()
        .map(|(key, value)| value.map_or_else(|| key.to_vec(), |value| [*key, b"=", value].concat()))
        .collect::<Vec<_>>()
        .join(&b';');
    let again = TraceHeader::parse(&canonical, options).expect("the canonical form parses");
    assert_eq!(field_texts(&canonical, &naive_fields(&canonical)), texts);
    assert_eq!(again.field_count(), texts.len());

    // Accessors: the last field with `=` of each known key and of the loop key.
    for index in 0..6 {
        let accessor = [Accessor::Root, Accessor::Parent, Accessor::Sampled, Accessor::Self_, Accessor::Lineage, Accessor::Loop][index];
        let expected = last_with_key(input, &naive, accessor_key(index, options.loop_key));
        let found = header.accessor(accessor);
        assert_eq!(found.map(|(i, _, _)| i), expected);
        assert_eq!(found.map(|(_, start, end)| start..end), expected.and_then(|i| naive[i].value.clone()));
    }
    check_diagnostics(input, options, &header, &naive);
    check_values(&header);
    Ok(header)
}

/// The diagnostics, counted by kind against the naive model.
fn check_diagnostics(input: &[u8], options: &Options<'_>, header: &TraceHeader<'_>, naive: &[NaiveField]) {
    let diagnostics: Vec<_> = header.diagnostics(options.loop_key).collect();
    assert_eq!(diagnostics.len(), header.diagnostic_count());
    assert!(diagnostics.iter().all(|d| d.offset < input.len()), "diagnostic offset outside the input");
    let count = |code: DiagnosticCode| diagnostics.iter().filter(|d| d.code == code).count();
    let with_value = |f: &&NaiveField| f.value.is_some() && !f.key.is_empty();
    let known = |f: &NaiveField| (0..6).find(|&i| input[f.key.clone()].eq_ignore_ascii_case(accessor_key(i, options.loop_key)));

    assert_eq!(count(DiagnosticCode::MissingEquals), naive.iter().filter(|f| f.value.is_none()).count());
    assert_eq!(count(DiagnosticCode::EmptyKey), naive.iter().filter(|f| f.value.is_some() && f.key.is_empty()).count());
    assert_eq!(count(DiagnosticCode::Whitespace), naive.iter().filter(|f| f.spaced).count());
    let miscased = naive
        .iter()
        .filter(with_value)
        .filter(|f| known(f).is_some_and(|i| &input[f.key.clone()] != accessor_key(i, options.loop_key)))
        .count();
    assert_eq!(count(DiagnosticCode::KeyCase), miscased);
    let mut seen = [0usize; 6];
    naive.iter().filter(with_value).filter_map(known).for_each(|i| seen[i] += 1);
    assert_eq!(count(DiagnosticCode::DuplicateKey), seen.iter().map(|n| n.saturating_sub(1)).sum::<usize>());

    let segments: Vec<bool> = input.split(|&b| b == b';').map(|s| s.iter().all(|&b| is_whitespace(b))).collect();
    let trailing = segments.len() > 1 && segments[segments.len() - 1];
    assert_eq!(count(DiagnosticCode::TrailingSemicolon), usize::from(trailing));
    let inner = &segments[..segments.len() - usize::from(trailing)];
    let runs = inner.iter().enumerate().filter(|&(i, &empty)| empty && (i == 0 || !inner[i - 1])).count();
    assert_eq!(count(DiagnosticCode::EmptyField), runs);
}

/// The typed accessors and the entry lists, against the naive model.
fn check_values(header: &TraceHeader<'_>) {
    if let Some(sampled) = header.sampled() {
        assert_eq!(sampled.validity.is_ok(), matches!(sampled.value, b"0" | b"1" | b"?"));
    }
    if let Some(parent) = header.parent() {
        assert_eq!(parent.validity.is_ok(), parent.value.len() == 16 && parent.value.iter().all(u8::is_ascii_hexdigit));
    }
    if let Some(root) = header.root() {
        let shape = root.value.len() == 35
            && root.value.starts_with(b"1-")
            && root.value[10] == b'-'
            && root.value[2..10].iter().chain(&root.value[11..]).all(u8::is_ascii_hexdigit);
        assert_eq!(root.validity.is_ok(), shape);
    }
    if let Some(lineage) = header.lineage() {
        check_lineage(lineage.value);
    }
    if let Some(loop_field) = header.loop_field() {
        check_entries(loop_field.value);
        let (_, malformed) = naive_entries(loop_field.value);
        assert_eq!(loop_field.validity.is_ok(), malformed == 0);
    }
}

/// `Entries` yields exactly the naive entries, at offsets inside the value.
pub fn check_entries(value: &[u8]) {
    let (expected, malformed) = naive_entries(value);
    let entries: Vec<_> = Entries::new(value).filter_map(Result::ok).collect();
    assert_eq!(Entries::new(value).filter(Result::is_err).count(), malformed);
    assert_eq!(entries.len(), expected.len());
    for (entry, model) in entries.iter().zip(&expected) {
        assert!(entry.offset + entry.hash.len() + 1 + entry.digits.len() <= value.len());
        assert_eq!([entry.hash, b":", entry.digits].concat(), model.text);
        assert_eq!((entry.hash_value(), entry.count), (model.hash, model.count));
    }
    assert_eq!(validate::entries(value).is_ok(), malformed == 0);
}

/// Any value as a Lineage: its format and validity by the naive rules.
pub fn check_lineage(value: &[u8]) {
    let colons = value.iter().filter(|&&b| b == b':').count();
    let pipes = value.iter().filter(|&&b| b == b'|').count();
    let format = validate::lineage_format(value);
    let valid = validate::lineage(value).is_ok();
    match format {
        LineageFormat::V2 => {
            assert!(colons == 2 && pipes == 0);
            assert_eq!(valid, naive_lineage_v2(value));
            if let Ok(parts) = validate::lineage_v2(value) {
                let numbers: Vec<&[u8]> = value.split(|&b| b == b':').collect();
                assert_eq!(parts.hash_offset, numbers[0].len() + 1);
                assert_eq!(parts.first.to_string().parse::<u64>().ok(), std::str::from_utf8(numbers[0]).ok().and_then(|n| n.parse().ok()));
                assert_eq!(parts.last.to_string().parse::<u64>().ok(), std::str::from_utf8(numbers[2]).ok().and_then(|n| n.parse().ok()));
            }
        }
        LineageFormat::V1 => {
            assert!(colons > 0 && !(colons == 2 && pipes == 0));
            check_entries(value);
            assert_eq!(valid, naive_entries(value).1 == 0);
        }
        LineageFormat::Opaque => {
            assert_eq!(colons, 0);
            assert!(!valid);
        }
    }
}

/// The flat record of the bindings says the same as `TraceHeader`, and a short record is an
/// error, never a panic.
fn check_record(input: &[u8], options: &Options<'_>, parsed: &Result<TraceHeader<'_>, Error>) {
    let needed = record::capacity(input.len().min(options.max_length as usize + 1), options.max_fields as usize);
    let mut slots = vec![0u32; needed];
    let status = record::parse(input, options, &mut slots);
    match parsed {
        Err(error) => assert_eq!((status, slots[record::S_OFFSET]), (error.code as u32, error.offset as u32)),
        Ok(header) => {
            assert_eq!(status, 0);
            assert_eq!(slots[record::S_FIELD_COUNT] as usize, header.field_count());
            assert_eq!(slots[record::S_DIAG_COUNT] as usize, header.diagnostic_count());
            for (index, field) in header.fields().enumerate() {
                let at = record::FIELDS_BASE + 4 * index;
                let value = field.value.map_or((record::NONE, record::NONE), |(s, e)| (s as u32, e as u32));
                assert_eq!(slots[at..at + 4], [field.key_start as u32, field.key_end as u32, value.0, value.1]);
            }
        }
    }
    if needed > 0 {
        let short = record::parse(input, options, &mut slots[..needed - 1]);
        assert_eq!(short, ErrorCode::BufferTooSmall as u32);
    }
}

/// Set `key` to `value` and check the splice against the naive rewrite. The new header, if any.
pub fn check_set_field(input: &[u8], options: &Options<'_>, key: &[u8], value: &[u8]) -> Option<Vec<u8>> {
    let mut insert = vec![0u8; options.max_length as usize];
    let result = set_field(input, options, key, value, &mut insert);
    let bad_key = key.is_empty() || !key.iter().all(|&b| b.is_ascii_graphic() && b != b';' && b != b'=');
    let lineage = key.eq_ignore_ascii_case(b"Lineage");
    let bad_value = value.is_empty() || !value.iter().all(|&b| b.is_ascii_graphic() && b != b';');
    let splice = match result {
        Err(error) if bad_key || lineage => {
            assert_eq!(error.code, ErrorCode::InvalidKey);
            let first = key.iter().position(|&b| !(b.is_ascii_graphic() && b != b';' && b != b'=')).unwrap_or(0);
            assert_eq!(error.offset, first);
            return None;
        }
        Err(error) if bad_value => {
            assert_eq!(error.code, ErrorCode::InvalidValue);
            assert_eq!(error.offset, value.iter().position(|&b| !(b.is_ascii_graphic() && b != b';')).unwrap_or(0));
            return None;
        }
        _ if bad_key || lineage || bad_value => panic!("set_field accepted an invalid key or value"),
        result => result,
    };
    let parsed = check_parse(input, options);
    let expected = parsed.as_ref().ok().map(|_| expected_rewrite(input, &naive_fields(input), key, value));
    match (splice, parsed, expected) {
        (Err(error), Err(parse_error), _) => assert_eq!(error, parse_error),
        (Err(error), Ok(_), Some(expected)) => check_rewrite_error(error, input, options, &expected),
        (Ok(splice), Ok(_), Some(expected)) => {
            let out = apply(input, &splice, &insert);
            assert_eq!(out, expected, "set_field changed more than its target field");
            let header = check_parse(&out, options).expect("a rewritten header parses");
            let fields = naive_fields(&out);
            let target = last_with_key(&out, &fields, key).and_then(|i| fields[i].value.clone());
            assert_eq!(target.map(|range| &out[range]), Some(value));
            let before = naive_fields(input);
            let appended = last_with_key(input, &before, key).is_none();
            assert_eq!(header.field_count(), before.len() + usize::from(appended));
            return Some(out);
        }
        (result, parsed, _) => panic!("set_field {result:?} but parse {parsed:?}"),
    }
    None
}

/// A rewrite of an accepted header fails only when its result would break a limit.
fn check_rewrite_error(error: Error, input: &[u8], options: &Options<'_>, expected: &[u8]) {
    match error.code {
        ErrorCode::TooLong => {
            assert!(expected.len() > options.max_length as usize, "too_long for a result within the limit");
            assert_eq!(error.offset, options.max_length as usize);
        }
        ErrorCode::TooManyFields => {
            assert!(naive_fields(expected).len() > options.max_fields as usize, "too_many_fields within the limit");
            assert_eq!(error.offset, naive_fields(input).last().map_or(0, |f| f.end));
        }
        code => panic!("rewrite of an accepted header failed with {code:?}"),
    }
}

/// Enter `hash` and check the count, the entries and the splice against the naive model. The
/// outgoing header and the count, if any.
pub fn check_enter(input: &[u8], options: &Options<'_>, hash: u32, counter: &EnterOptions) -> Option<(Vec<u8>, u32)> {
    let mut outgoing = vec![0u8; record::batch_output_capacity(input.len(), 1, options.loop_key.len())];
    let result = enter(input, options, hash, counter, &mut outgoing);
    match (result, check_parse(input, options)) {
        (Err(error), Err(parse_error)) => {
            assert_eq!(error, parse_error);
            return None;
        }
        (Ok(entered), Err(parse_error)) => panic!("enter {entered:?} on a header parse refused: {parse_error:?}"),
        (_, Ok(_)) => {}
    }
    let naive = naive_fields(input);
    let (entries, malformed) = match last_with_key(input, &naive, options.loop_key).and_then(|i| naive[i].value.clone()) {
        Some(range) => naive_entries(&input[range]),
        None => (Vec::new(), 0),
    };
    let own: Vec<u32> = entries.iter().filter(|e| e.hash == hash).map(|e| e.count).collect();
    let count = own.iter().max().map_or(1, |&previous| previous.saturating_add(1).min(counter.max_count));

    // The others with the lowest (count, position) are evicted, as many as the cap requires.
    let mut others: Vec<(u32, usize)> = entries.iter().enumerate().filter(|(_, e)| e.hash != hash).map(|(i, e)| (e.count, i)).collect();
    let evict = others.len().saturating_sub(counter.max_entries as usize - 1);
    others.sort_unstable();
    let mut evicted = vec![false; entries.len()];
    others[..evict].iter().for_each(|&(_, i)| evicted[i] = true);
    let first_own = entries.iter().position(|e| e.hash == hash);
    let own_entry = format!("{hash:08x}:{count}").into_bytes();
    let mut kept: Vec<&[u8]> = Vec::new();
    for (index, entry) in entries.iter().enumerate() {
        if entry.hash != hash && !evicted[index] {
            kept.push(entry.text);
        } else if first_own == Some(index) {
            kept.push(&own_entry);
        }
    }
    if own.is_empty() {
        kept.push(&own_entry);
    }
    let value = kept.join(&b'|');
    let expected = expected_rewrite(input, &naive, options.loop_key, &value);

    let entered = match result {
        Err(error) => {
            check_rewrite_error(error, input, options, &expected);
            return None;
        }
        Ok(entered) => entered,
    };
    assert_eq!(entered.count, count, "the count is the highest previous one plus one, saturated");
    assert_eq!(entered.is_loop, count > counter.threshold);
    assert_eq!(entered.evicted as usize, evict);
    assert_eq!(entered.dropped as usize, malformed + own.len().saturating_sub(1));
    let out = outgoing[..entered.length].to_vec();
    assert_eq!(out, expected, "enter changed more than the loop field");
    let splice = entered.splice;
    let inserted = &out[splice.start..splice.start + splice.insert_length];
    assert_eq!(apply(input, &splice, inserted), out, "the splice does not say what changed");
    let after = check_parse(&out, options).expect("the outgoing header parses");
    let (out_entries, out_malformed) = naive_entries(after.loop_field().map(|v| v.value).unwrap_or_default());
    assert_eq!(out_malformed, 0);
    assert!(out_entries.len() <= counter.max_entries as usize, "more entries than the cap");
    assert_eq!(out_entries.iter().filter(|e| e.hash == hash).count(), 1);
    Some((out, count))
}

/// Enter the outgoing header again: the count goes on from where it was, never down.
pub fn check_enter_again(out: &[u8], options: &Options<'_>, hash: u32, counter: &EnterOptions, previous: u32) {
    let mut outgoing = vec![0u8; record::batch_output_capacity(out.len(), 1, options.loop_key.len())];
    if let Ok(entered) = enter(out, options, hash, counter, &mut outgoing) {
        assert_eq!(entered.count, previous.saturating_add(1).min(counter.max_count));
        assert!(entered.count >= previous, "the count went down");
        assert_eq!(entered.dropped, 0);
    }
}

// ------------------------------------------------------------------ the targets
// The fuzz targets (fuzz_targets/) are these, so that `cargo test` runs them over fuzz/seeds too
// (tests/seeds.rs).

/// Parse anything: errors only where the policy says, at offsets inside the input; an accepted
/// header is exactly the naive fields, comes back byte-identical from its spans, and its
/// accessors, diagnostics and entries agree with the naive model. Also: the input as a bare
/// Lineage value.
pub fn parse_target(data: &[u8]) {
    let (config, header) = split(data);
    let _ = check_parse(header, &options(config));
    // The same bytes as a bare Lineage value: the bindings validate those without parsing.
    check_lineage(header);
}

/// Set a field: the result is the input with only the target field's value replaced (or one
/// field appended), it parses, and setting the same value again changes nothing. Invalid keys
/// and values are refused at the offset of their first bad byte.
pub fn rewrite_target(data: &[u8]) {
    let (config, header) = split(data);
    let options = options(config);
    // Config byte 3 picks the key, 4 an existing field; the rest is split into a key and a value.
    let tail = config.get(5..).unwrap_or_default();
    let (raw_key, raw_value) = tail.split_at(tail.len() / 2);
    let fields = naive_fields(header);
    let existing = fields.get(usize::from(byte(config, 4)) % fields.len().max(1)).map(|f| header[f.key.clone()].to_vec());
    let key = match byte(config, 3) % 8 {
        0 => b"Sampled".to_vec(),
        1 | 2 => existing.unwrap_or_else(|| b"Root".to_vec()),
        3 => existing.map_or_else(|| b"Foo".to_vec(), |key| key.to_ascii_uppercase()),
        4 => b"lineage".to_vec(),
        5 => options.loop_key.to_vec(),
        6 => raw_key.to_vec(),
        _ => b"X-New".to_vec(),
    };
    let value = if raw_value.is_empty() { b"1".to_vec() } else { raw_value.to_vec() };
    if let Some(out) = check_set_field(header, &options, &key, &value) {
        assert_eq!(check_set_field(&out, &options, &key, &value), Some(out), "setting it again changed the header");
    }
}

/// Enter a resource: the count is the highest previous one plus one, saturated at the ceiling,
/// so it never goes down; the loop field keeps at most `max_entries` well-formed entries, the
/// lowest counts evicted first; every other byte of the header stays; the result parses, and
/// entering it again goes on counting.
pub fn enter_target(data: &[u8]) {
    let (config, header) = split(data);
    let options = options(config);
    let counter = enter_options(config);
    // Config byte 7 picks the resource: by default the first entry already in the loop field.
    let fields = naive_fields(header);
    let loop_value = last_with_key(header, &fields, options.loop_key).and_then(|i| fields[i].value.clone());
    let (entries, _) = naive_entries(loop_value.map_or(&b""[..], |range| &header[range]));
    let orders = resource_hash(b"orders");
    let hash = match byte(config, 7) % 4 {
        0 => entries.first().map_or(orders, |entry| entry.hash),
        1 => orders,
        2 => entries.last().map_or(orders, |entry| entry.hash),
        _ => u32::from_le_bytes([byte(config, 8), byte(config, 9), byte(config, 10), byte(config, 11)]),
    };
    if let Some((out, count)) = check_enter(header, &options, hash, &counter) {
        check_enter_again(&out, &options, hash, &counter, count);
    }
}
