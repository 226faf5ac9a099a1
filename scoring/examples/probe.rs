use arena_scoring::*;
fn read(p: &str) -> Vec<SpikeTrain> {
    std::fs::read_to_string(p).unwrap().lines().map(|l| SpikeTrain::new(l.split_whitespace().map(|s| s.parse().unwrap()).collect()).unwrap()).collect()
}
macro_rules! t { ($name:expr, $e:expr) => {{ let t = std::time::Instant::now(); let r = $e; println!("{:<12} {:?}", $name, t.elapsed()); r }} }
fn main() {
    let a = read("/tmp/a.txt"); let b = read("/tmp/b.txt");
    let w = Window::new(0.0, 10000.0).unwrap();
    let p = Prediction::Repeats(b.clone());
    let psth = t!("psth", p.psth(w));
    let _ = t!("gram", naud::gram(&a, Kernel::Triangle, 0.004));
    let _ = t!("cross", naud::cross_product(&a, &psth, Kernel::Triangle, 0.004));
    let _ = t!("norm", psth.norm(Kernel::Triangle, 0.004));
    let _ = t!("flat", naud::flat_cross_per_rate(&a, w, Kernel::Triangle, 0.004));
    let _ = t!("R", coincidence::intrinsic_reliability(&a, w, 0.004));
    let _ = t!("within", a.iter().map(|t| t.within(w)).collect::<Vec<_>>());
    let _ = t!("trial_stats", trial_stats(&a, &p, w, &ScoringParams::default()));
}
