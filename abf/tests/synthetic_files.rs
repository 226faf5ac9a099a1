//! Small ABF2 files built byte by byte, with values chosen so that every expected sample is
//! computed by hand. They exercise what the shipped recordings do not: non-unit gains and
//! offsets, the signal-conditioner switch, float32 data, gap-free mode, more than one sweep
//! layout, and each error path.
//!
//! The builder writes only the fields the reader uses, at the offsets of Axon's
//! `ProtocolStructs.h`; everything else is zero.

use arena_abf::{AbfError, AbfFile, AcquisitionMode, SampleFormat};

/// One ADC entry's fields.
#[derive(Clone)]
struct Adc {
    instrument_scale: f32,
    programmable_gain: f32,
    telegraph_enable: i16,
    telegraph_gain: f32,
    instrument_offset: f32,
    signal_gain: f32,
    signal_offset: f32,
    name_index: i32,
    units_index: i32,
}

impl Adc {
    /// Unit gains, zero offsets, telegraph off, strings 1 and 2.
    fn unit() -> Adc {
        Adc {
            instrument_scale: 1.0,
            programmable_gain: 1.0,
            telegraph_enable: 0,
            telegraph_gain: 1.0,
            instrument_offset: 0.0,
            signal_gain: 1.0,
            signal_offset: 0.0,
            name_index: 1,
            units_index: 2,
        }
    }
}

struct Spec {
    data_format: u16,
    mode: i16,
    episodes: u32,
    interval_us: f32,
    adc_range: f32,
    resolution: i32,
    signal_type: i16,
    adcs: Vec<Adc>,
    strings: Vec<&'static str>,
    /// Raw data section bytes.
    data: Vec<u8>,
    /// Bytes per data entry written in the section map.
    data_entry_size: u32,
}

impl Spec {
    /// An episodic int16 file with a ±10 V, 16-bit converter sampled every 100 µs (10 kHz).
    fn episodic(adcs: Vec<Adc>, episodes: u32, counts: &[i16]) -> Spec {
        Spec {
            data_format: 0,
            mode: 5,
            episodes,
            interval_us: 100.0,
            adc_range: 10.0,
            resolution: 32768,
            signal_type: 0,
            adcs,
            strings: vec!["Vm", "mV", "Im", "pA"],
            data: counts.iter().flat_map(|c| c.to_le_bytes()).collect(),
            data_entry_size: 2,
        }
    }

    fn build(&self) -> Vec<u8> {
        const BLOCK: usize = 512;
        let mut file = vec![0u8; 4 * BLOCK];
        let put = |file: &mut Vec<u8>, at: usize, bytes: &[u8]| {
            file[at..at + bytes.len()].copy_from_slice(bytes);
        };
        let pointer = |file: &mut Vec<u8>, at: usize, block: u32, size: u32, count: i64| {
            put(file, at, &block.to_le_bytes());
            put(file, at + 4, &size.to_le_bytes());
            put(file, at + 8, &count.to_le_bytes());
        };
        // Block 0: file header.
        put(&mut file, 0, b"ABF2");
        put(&mut file, 4, &[0, 0, 6, 2]);
        put(&mut file, 12, &self.episodes.to_le_bytes());
        put(&mut file, 30, &self.data_format.to_le_bytes());
        pointer(&mut file, 76, 1, 512, 1);
        pointer(&mut file, 92, 2, 128, self.adcs.len() as i64);
        pointer(&mut file, 220, 3, 512, 1);
        let n_entries = (self.data.len() / self.data_entry_size as usize) as i64;
        pointer(&mut file, 236, 4, self.data_entry_size, n_entries);
        // Block 1: protocol.
        let p = BLOCK;
        put(&mut file, p, &self.mode.to_le_bytes());
        put(&mut file, p + 2, &self.interval_us.to_le_bytes());
        put(&mut file, p + 110, &self.adc_range.to_le_bytes());
        put(&mut file, p + 118, &self.resolution.to_le_bytes());
        put(&mut file, p + 138, &self.signal_type.to_le_bytes());
        // Block 2: ADC entries of 128 bytes.
        for (i, a) in self.adcs.iter().enumerate() {
            let e = 2 * BLOCK + i * 128;
            put(&mut file, e + 2, &a.telegraph_enable.to_le_bytes());
            put(&mut file, e + 6, &a.telegraph_gain.to_le_bytes());
            put(&mut file, e + 28, &a.programmable_gain.to_le_bytes());
            put(&mut file, e + 40, &a.instrument_scale.to_le_bytes());
            put(&mut file, e + 44, &a.instrument_offset.to_le_bytes());
            put(&mut file, e + 48, &a.signal_gain.to_le_bytes());
            put(&mut file, e + 52, &a.signal_offset.to_le_bytes());
            put(&mut file, e + 74, &a.name_index.to_le_bytes());
            put(&mut file, e + 78, &a.units_index.to_le_bytes());
        }
        // Block 3: strings header (44 bytes) and NUL-terminated strings.
        let s = 3 * BLOCK;
        let body: Vec<u8> = self
            .strings
            .iter()
            .flat_map(|t| t.bytes().chain([0]))
            .collect();
        put(&mut file, s, b"SSCH");
        put(&mut file, s + 8, &(self.strings.len() as u32).to_le_bytes());
        put(&mut file, s + 16, &(body.len() as u32).to_le_bytes());
        put(&mut file, s + 44, &body);
        // Block 4 onwards: data.
        file.extend_from_slice(&self.data);
        file
    }

    fn parse(&self) -> Result<AbfFile, AbfError> {
        AbfFile::parse(&self.build())
    }
}

#[test]
fn interleaved_sweeps_and_channels_land_in_place() {
    // 2 channels, 3 sweeps, 2 samples each: count = 100·sweep + 10·channel + sample, stored
    // frame by frame (ch0, ch1), sweep after sweep. Unit gains: factor = 10 V / 1 / 32768.
    let mut counts = Vec::new();
    for s in 0..3i16 {
        for i in 0..2i16 {
            for c in 0..2i16 {
                counts.push(100 * s + 10 * c + i);
            }
        }
    }
    let abf = Spec::episodic(vec![Adc::unit(), Adc::unit()], 3, &counts)
        .parse()
        .unwrap();
    assert_eq!(abf.sweeps.len(), 3);
    assert_eq!(abf.samples_per_sweep(), 2);
    let factor = 10.0f32 / 32768.0;
    for s in 0..3 {
        for c in 0..2 {
            for i in 0..2 {
                let count = (100 * s + 10 * c + i) as f32;
                assert_eq!(
                    abf.sweeps[s].data[c][i],
                    count * factor,
                    "sweep {s} ch {c} i {i}"
                );
            }
        }
    }
    assert_eq!(abf.sample_rate_hz, 10_000.0);
    assert_eq!(abf.mode, AcquisitionMode::Episodic);
    assert_eq!(abf.sample_format, SampleFormat::Int16);
    assert_eq!(abf.version, "2.6.0.0");
}

#[test]
fn gains_telegraph_and_offsets_scale_by_hand() {
    // Channel 0: instrument scale 0.5 V/unit, programmable gain 2, telegraph on with gain 4
    // (all exact in binary): total = 0.5 × 2 × 4 = 4; factor = 10 / 4 / 32768 = 2.5 / 32768;
    // instrument offset 3.
    //   count 16384 → 16384 × 2.5 / 32768 + 3 = 1.25 + 3 = 4.25
    //   count −32768 → −2.5 + 3 = 0.5
    // Channel 1: telegraph off (its gain 7 must be ignored), no signal conditioner (signal
    // gain 3 and offset 9 must be ignored): total = 1 × 1; factor = 10 / 32768.
    //   count 3277 → 32770 / 32768 = 1.00006103515625
    //   count −1 → −0.00030517578125
    let ch0 = Adc {
        instrument_scale: 0.5,
        programmable_gain: 2.0,
        telegraph_enable: 1,
        telegraph_gain: 4.0,
        instrument_offset: 3.0,
        ..Adc::unit()
    };
    let ch1 = Adc {
        telegraph_enable: 0,
        telegraph_gain: 7.0,
        signal_gain: 3.0,
        signal_offset: 9.0,
        name_index: 3,
        units_index: 4,
        ..Adc::unit()
    };
    let abf = Spec::episodic(vec![ch0, ch1], 1, &[16384, 3277, -32768, -1])
        .parse()
        .unwrap();
    assert_eq!(abf.sweeps[0].data[0], vec![4.25, 0.5]);
    // Both are exact in f32: 32770 / 32768 = 1 + 2^-14 and 10 / 32768 = 10 × 2^-15.
    assert_eq!(
        abf.sweeps[0].data[1],
        vec![32770.0 / 32768.0, -10.0 / 32768.0]
    );
    assert_eq!(abf.channels[0].name, "Vm");
    assert_eq!(abf.channels[0].units, "mV");
    assert_eq!(abf.channels[1].name, "Im");
    assert_eq!(abf.channels[1].units, "pA");
    assert_eq!(abf.channel_with_units("pA"), Some(1));
    assert_eq!(abf.channel_with_units("nA"), None);
}

#[test]
fn signal_conditioner_gain_and_offset_apply_only_when_present() {
    // nSignalType = 1: signal gain 2 and offset 1 apply. total = 1 × 1 × 2 = 2;
    // factor = 10 / 2 / 32768 = 5 / 32768; shift = 0 − 1 = −1.
    //   count 16384 → 2.5 − 1 = 1.5;  count 0 → −1.
    let ch = Adc {
        signal_gain: 2.0,
        signal_offset: 1.0,
        ..Adc::unit()
    };
    let mut spec = Spec::episodic(vec![ch], 1, &[16384, 0]);
    spec.signal_type = 1;
    assert_eq!(spec.parse().unwrap().sweeps[0].data[0], vec![1.5, -1.0]);
    // The same file without the conditioner ignores both: 16384 × 10 / 32768 = 5, and 0.
    spec.signal_type = 0;
    assert_eq!(spec.parse().unwrap().sweeps[0].data[0], vec![5.0, 0.0]);
}

#[test]
fn float32_samples_are_stored_in_user_units() {
    // Gains that would change int16 data must not touch float32 data.
    let ch = Adc {
        instrument_scale: 0.25,
        instrument_offset: 100.0,
        ..Adc::unit()
    };
    let values = [-65.5f32, 12.25, 0.0, 1e-3];
    let mut spec = Spec::episodic(vec![ch], 2, &[]);
    spec.data_format = 1;
    spec.data_entry_size = 4;
    spec.data = values.iter().flat_map(|v| v.to_le_bytes()).collect();
    let abf = spec.parse().unwrap();
    assert_eq!(abf.sample_format, SampleFormat::Float32);
    assert_eq!(abf.sweeps[0].data[0], vec![-65.5, 12.25]);
    assert_eq!(abf.sweeps[1].data[0], vec![0.0, 1e-3]);
}

#[test]
fn gap_free_file_is_one_sweep_whatever_the_episode_count() {
    // 1 channel, 6 samples, 20 µs interval → 50 kHz. lActualEpisodes = 3 is ignored in mode 3.
    let mut spec = Spec::episodic(vec![Adc::unit()], 3, &[0, 1, 2, 3, 4, 5]);
    spec.mode = 3;
    spec.interval_us = 20.0;
    let abf = spec.parse().unwrap();
    assert_eq!(abf.mode, AcquisitionMode::GapFree);
    assert_eq!(abf.sweeps.len(), 1);
    assert_eq!(abf.samples_per_sweep(), 6);
    assert_eq!(abf.sample_rate_hz, 50_000.0);
    // An episodic file recording 0 episodes is read as one sweep, as pyabf does.
    let mut spec = Spec::episodic(vec![Adc::unit()], 0, &[0, 1]);
    spec.mode = 5;
    assert_eq!(spec.parse().unwrap().sweeps.len(), 1);
}

#[test]
fn variable_length_event_mode_is_refused_with_its_offset() {
    let mut spec = Spec::episodic(vec![Adc::unit()], 1, &[0, 1]);
    spec.mode = 1;
    let err = spec.parse().unwrap_err();
    // The protocol section is block 1: byte 512.
    assert_eq!(
        err,
        AbfError::UnsupportedOperationMode {
            code: 1,
            offset: 512
        }
    );
    assert!(
        err.to_string().contains("nOperationMode at byte 512"),
        "{err}"
    );
}

#[test]
fn sample_count_must_divide_into_sweeps_and_channels() {
    // 5 samples cannot be 2 sweeps × 2 channels.
    let err = Spec::episodic(vec![Adc::unit(), Adc::unit()], 2, &[0, 1, 2, 3, 4])
        .parse()
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "invalid file header field llNumEntries at byte 244: data section holds 5 samples, not \
         a positive multiple of 2 sweeps × 2 channels"
    );
    // An empty data section is refused the same way.
    assert!(Spec::episodic(vec![Adc::unit()], 1, &[]).parse().is_err());
}

#[test]
fn bad_fields_are_named() {
    let zero_gain = Adc {
        instrument_scale: 0.0,
        ..Adc::unit()
    };
    let err = Spec::episodic(vec![zero_gain], 1, &[1])
        .parse()
        .unwrap_err();
    // ADC entry 0 starts at block 2 (byte 1024); fInstrumentScaleFactor is at +40.
    assert!(
        err.to_string()
            .starts_with("invalid ADC section field fInstrumentScaleFactor at byte 1064"),
        "{err}"
    );

    let mut spec = Spec::episodic(vec![Adc::unit()], 1, &[1]);
    spec.interval_us = 0.0;
    let err = spec.parse().unwrap_err();
    assert!(
        err.to_string().contains("fADCSequenceInterval at byte 514"),
        "{err}"
    );

    let mut spec = Spec::episodic(vec![Adc::unit()], 1, &[1]);
    spec.resolution = 0;
    let err = spec.parse().unwrap_err();
    assert!(
        err.to_string().contains("lADCResolution at byte 630"),
        "{err}"
    );

    let bad_units = Adc {
        units_index: 9,
        ..Adc::unit()
    };
    let err = Spec::episodic(vec![bad_units], 1, &[1])
        .parse()
        .unwrap_err();
    // lADCUnitsIndex of entry 0: 1024 + 78 = 1102.
    assert_eq!(
        err.to_string(),
        "invalid ADC section field lADCUnitsIndex at byte 1102: string index 9 is out of \
         range: the strings section holds 4 strings"
    );

    let mut spec = Spec::episodic(vec![Adc::unit()], 1, &[1, 2]);
    spec.data_entry_size = 4; // int16 data declared with 4-byte entries
    let err = spec.parse().unwrap_err();
    assert!(err.to_string().contains("uBytes at byte 240"), "{err}");

    // 17 channels: set the ADC pointer's llNumEntries (header byte 92 + 8 = 100) to 17.
    let mut file = Spec::episodic(vec![Adc::unit()], 1, &[1]).build();
    file[100..108].copy_from_slice(&17i64.to_le_bytes());
    let err = AbfFile::parse(&file).unwrap_err();
    assert!(
        err.to_string().contains("llNumEntries at byte 100"),
        "{err}"
    );
    assert!(err.to_string().contains("at most 16"), "{err}");
}

#[test]
fn truncated_data_section_names_its_bytes() {
    // 4 samples of 2 bytes from block 4 (byte 2048): bytes 2048..2056. Cut the file at 2053.
    let file = Spec::episodic(vec![Adc::unit()], 1, &[1, 2, 3, 4]).build();
    let err = AbfFile::parse(&file[..2053]).unwrap_err();
    assert_eq!(
        err,
        AbfError::Truncated {
            section: "data section",
            start: 2048,
            end: 2056,
            limit: 2053
        }
    );
}
