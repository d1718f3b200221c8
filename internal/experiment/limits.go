package experiment

// MaxSamplesPerCell bounds the latency samples a run keeps per cell
// (approach × duration), so a plan of millions of ops cannot grow the
// results file, rewritten after every batch, without bound. Samples past
// it are counted in BatchResult.SamplesDropped and the report says so;
// statistics cover the samples kept.
const MaxSamplesPerCell = 100_000
