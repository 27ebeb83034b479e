//! The core alone, without any binding: parse and the hot path on realistic headers.
//! Each result is checked before it is timed. Run with `cargo bench -p trace-lineage-core`.

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use trace_lineage_core::{enter, record, EnterOptions, Options, TraceHeader};

/// Root, Parent, Sampled and a one-entry V1 Lineage: 93 bytes.
const LINEAGE_V1: &[u8] = b"Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1;Lineage=a87bd80c:1";
/// Root, Parent, Sampled: 74 bytes.
const SHORT: &[u8] = b"Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1";

fn benches(c: &mut Criterion) {
    assert_eq!(LINEAGE_V1.len(), 93);
    let options = Options::default();
    let mut group = c.benchmark_group("core");

    let header = TraceHeader::parse(LINEAGE_V1, &options).expect("valid");
    assert_eq!((header.field_count(), header.lineage().map(|l| l.validity)), (4, Some(Ok(()))));
    group.throughput(Throughput::Bytes(LINEAGE_V1.len() as u64));
    group.bench_function("TraceHeader::parse 93 B", |b| {
        b.iter(|| TraceHeader::parse(black_box(LINEAGE_V1), &options).map(|h| h.field_count()))
    });

    let mut slots = vec![0u32; record::capacity(LINEAGE_V1.len(), options.max_fields as usize)];
    assert_eq!(record::parse(LINEAGE_V1, &options, &mut slots), 0);
    assert_eq!((slots[record::S_FIELD_COUNT], slots[record::S_LINEAGE_ENTRIES]), (4, 1));
    group.bench_function("record::parse 93 B", |b| b.iter(|| record::parse(black_box(LINEAGE_V1), &options, &mut slots)));

    let counter = EnterOptions::default();
    let mut outgoing = [0u8; 256];
    let entered = enter(SHORT, &options, 0xdead_beef, &counter, &mut outgoing).expect("valid");
    assert_eq!(&outgoing[SHORT.len()..entered.length], b";LoopGuard=deadbeef:1");
    group.throughput(Throughput::Bytes(SHORT.len() as u64));
    group.bench_function("enter 74 B", |b| {
        b.iter(|| enter(black_box(SHORT), &options, 0xdead_beef, &counter, &mut outgoing).map(|e| e.count))
    });
    group.finish();
}

criterion_group!(core, benches);
criterion_main!(core);
