//! Batched trials ([`Cell::simulate_batch`], several trials advanced together in one sweep of
//! the tree, lane-interleaved) against the naive path: every trial run alone with
//! [`Cell::simulate`]. They must agree bit for bit, whatever the number of trials (full
//! batches of four and a remainder) and whatever each trial's drive, on a cell with every
//! mechanism the simulator has (`pas`, `hh`, `Ih`, `Im`, Exp2Syn, NMDAMg): the 959-compartment
//! bench cell of `neuron/peer/bench_cells/`.

use arena_neuron::cable::json::SimulationInput;
use arena_neuron::cable::{
    Cell, CurrentClamp, Drive, NoiseKind, NoiseSource, Numerics, SynapseStream,
};
use proptest::prelude::*;
use std::sync::OnceLock;

/// The bench cell and its document's synaptic drive, built once.
fn cell_and_synapses() -> &'static (Cell, Vec<SynapseStream>) {
    static CELL: OnceLock<(Cell, Vec<SynapseStream>)> = OnceLock::new();
    CELL.get_or_init(|| {
        let input: SimulationInput =
            serde_json::from_str(include_str!("../peer/bench_cells/big959_syn2000.json")).unwrap();
        let cell = Cell::new(&input.cell).unwrap();
        let drive = input.drive(&cell).unwrap();
        (cell, drive.synapses)
    })
}

/// One trial's drive from its random parameters: every `stride`-th synapse stream of the
/// document with weights scaled by `gain` (from near silence to strong firing), times shifted
/// by `shift_ms`, a somatic clamp of `amp_na`, and conductance noise with `seed`.
fn drive(cell: &Cell, synapses: &[SynapseStream], p: (usize, f64, f64, f64, u64)) -> Drive {
    let (stride, gain, shift_ms, amp_na, seed) = p;
    let soma = cell.soma_node();
    Drive {
        synapses: synapses
            .iter()
            .step_by(stride)
            .map(|s| SynapseStream {
                weight_us: s.weight_us * gain,
                times_ms: s.times_ms.iter().map(|t| (t - shift_ms).max(0.0)).collect(),
                ..s.clone()
            })
            .collect(),
        clamps: vec![CurrentClamp {
            node: soma,
            step_ms: 5.0,
            amp_na: vec![amp_na, 0.0, amp_na],
        }],
        noise: vec![NoiseSource {
            node: soma,
            tau_ms: 3.0,
            kind: NoiseKind::Conductance {
                mean_us: 0.002,
                std_us: 0.002,
                e_mv: 0.0,
            },
            seed,
        }],
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(6))]

    #[test]
    fn batched_trials_equal_single_trials_bit_for_bit(
        params in prop::collection::vec(
            (1usize..4, 0.1f64..20.0, 0.0f64..100.0, 0.0f64..2.0, any::<u64>()),
            1..7,
        )
    ) {
        let (cell, synapses) = cell_and_synapses();
        let drives: Vec<Drive> = params.iter().map(|&p| drive(cell, synapses, p)).collect();
        let numerics = Numerics {
            dt_ms: 0.025,
            t_stop_ms: 15.0,
            threshold_mv: 0.0,
            record_every: 2,
        };
        let batch = cell.simulate_batch(&drives, &numerics).unwrap();
        prop_assert_eq!(batch.len(), drives.len());
        for (d, t) in drives.iter().zip(&batch) {
            prop_assert_eq!(&cell.simulate(d, &numerics).unwrap(), t);
        }
    }
}

#[test]
fn the_random_drives_exercise_firing_and_rest() {
    // The property above is only as strong as its drives: a strong one fires the cell, a
    // weak one does not, so batched lanes really diverge from each other.
    let (cell, synapses) = cell_and_synapses();
    let numerics = Numerics {
        dt_ms: 0.025,
        t_stop_ms: 15.0,
        threshold_mv: 0.0,
        record_every: 2,
    };
    let strong = drive(cell, synapses, (1, 20.0, 0.0, 2.0, 1));
    let weak = drive(cell, synapses, (3, 0.1, 0.0, 0.0, 2));
    let traces = cell.simulate_batch(&[strong, weak], &numerics).unwrap();
    assert!(!traces[0].spike_times_ms.is_empty());
    assert!(traces[1].spike_times_ms.is_empty());
}
