//! relay-benches: the inputs Relay's benchmarks share (generated workflows, `relay.yaml`, item
//! files) and the small statistics they print. The benchmarks themselves are in `benches/`.

pub mod e2e;
pub mod items;
pub mod planning;
pub mod stats;
pub mod workflows;
