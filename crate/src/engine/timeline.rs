//! The timeline of a run: copies of the weights at chosen steps, from step 0 on, so a
//! page can scrub every view back to any moment of the run. Moments are spaced evenly
//! in log(step): every early step is kept, where the network changes fastest, and
//! ever fewer later. Memory is bounded: when the timeline is full, every second moment
//! after the first is dropped and the spacing doubles in log(step).

use super::error::{EngineError, Result};
use super::network::Network;
use super::number::Real;

/// Most parameter values all moments together may hold (16 MB in f32).
pub const TIMELINE_VALUES: usize = 4_000_000;
/// Most moments kept, whatever the network's size.
pub const MAX_MOMENTS: usize = 512;
/// Fewest moments kept, whatever the network's size.
const MIN_MOMENTS: usize = 16;
/// Ratio of the steps of two neighbouring moments once every step is no longer kept.
const GROWTH: f64 = 1.04;

/// The weights and biases of every layer at one step, layer by layer, W then b, with
/// any running statistics after each layer's parameters.
#[derive(Debug, Clone, PartialEq)]
pub struct Moment<T> {
    /// Steps completed when the copy was taken.
    pub step: u64,
    /// Epochs completed then.
    pub epoch: u64,
    /// Every parameter and running statistic, in the order of [`Network::state`].
    pub params: Vec<T>,
}

/// A bounded, log-spaced record of the weights over a run.
#[derive(Debug, Clone, PartialEq)]
pub struct Timeline<T> {
    moments: Vec<Moment<T>>,
    capacity: usize,
    growth: f64,
    next: u64,
}

impl<T: Real> Timeline<T> {
    /// An empty timeline for a network of `params` values of state.
    pub fn new(params: usize) -> Self {
        Timeline {
            moments: Vec::new(),
            capacity: (TIMELINE_VALUES / params.max(1)).clamp(MIN_MOMENTS, MAX_MOMENTS),
            growth: GROWTH,
            next: 0,
        }
    }

    /// The moments, oldest first.
    pub fn moments(&self) -> &[Moment<T>] {
        &self.moments
    }

    /// Most moments this timeline keeps.
    pub fn capacity(&self) -> usize {
        self.capacity
    }

    /// True when a moment at `step` belongs in the timeline.
    #[inline]
    pub fn due(&self, step: u64) -> bool {
        step >= self.next
    }

    /// Keeps a copy of `net` at `step`, unless the last moment is that step (then the
    /// copy replaces it: the weights may have been restored or imported since).
    pub fn record(&mut self, step: u64, epoch: u64, net: &Network<T>) {
        let params = net.state().collect();
        self.push(Moment {
            step,
            epoch,
            params,
        });
    }

    /// Appends a moment taken elsewhere (a mirror's copy of a trainer's timeline).
    pub fn push(&mut self, moment: Moment<T>) {
        let step = moment.step;
        match self.moments.last_mut() {
            Some(last) if last.step == step => *last = moment,
            Some(last) if last.step > step => {
                self.moments.retain(|m| m.step < step);
                self.moments.push(moment);
            }
            _ => self.moments.push(moment),
        }
        if self.moments.len() > self.capacity {
            self.thin();
        }
        self.next = self.next.max(self.after(step));
    }

    /// Keeps only the moments whose steps are in `steps` (ascending): how a mirror
    /// follows the thinning of the timeline it copies.
    pub fn retain_steps(&mut self, steps: &[u64]) {
        self.moments
            .retain(|m| steps.binary_search(&m.step).is_ok());
    }

    /// Forgets every moment; the next step is due.
    pub fn clear(&mut self) {
        self.moments.clear();
        self.growth = GROWTH;
        self.next = 0;
    }

    /// The index of the moment at `step`, if one is kept.
    pub fn index_of(&self, step: u64) -> Option<usize> {
        self.moments.binary_search_by_key(&step, |m| m.step).ok()
    }

    /// The moment `i`, or an error naming how many there are.
    pub fn get(&self, i: usize) -> Result<&Moment<T>> {
        self.moments.get(i).ok_or_else(|| {
            EngineError::Mismatch(format!(
                "the timeline has {} moments; there is no moment {i}",
                self.moments.len()
            ))
        })
    }

    /// The first step due after a moment at `step`.
    fn after(&self, step: u64) -> u64 {
        let scaled = (step as f64 * self.growth).ceil();
        if scaled >= u64::MAX as f64 {
            u64::MAX
        } else {
            (scaled as u64).max(step + 1)
        }
    }

    /// Drops every second moment after the first (the last is always kept) and doubles
    /// the spacing in log(step).
    fn thin(&mut self) {
        let last = self.moments.len() - 1;
        let mut i = 0;
        self.moments.retain(|_| {
            let keep = i % 2 == 0 || i == last;
            i += 1;
            keep
        });
        self.growth *= self.growth;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::activation::Activation;
    use crate::engine::loss::{Loss, Reduction};
    use crate::engine::network::{Architecture, LayerSpec};

    fn net(v: f64) -> Network<f64> {
        let arch = Architecture {
            input_dim: 2,
            input_shape: None,
            layers: LayerSpec::dense_stack(&[(2, Activation::Tanh), (1, Activation::Identity)]),
            loss: Loss::Mse,
            reduction: Reduction::Mean,
            l2: 0.0,
        };
        let mut n = Network::zeros(&arch).unwrap();
        n.layers[0].weights_mut().fill(v);
        n
    }

    /// Offers every step from 0 to `steps`, as a trainer does.
    fn run(t: &mut Timeline<f64>, steps: u64) {
        for s in 0..=steps {
            if t.due(s) {
                t.record(s, s / 10, &net(s as f64));
            }
        }
    }

    #[test]
    fn every_early_step_is_kept_and_later_ones_are_log_spaced() {
        let mut t = Timeline::new(9);
        run(&mut t, 1_000);
        let steps: Vec<u64> = t.moments().iter().map(|m| m.step).collect();
        assert_eq!(&steps[..20], &(0..20).collect::<Vec<_>>()[..]);
        for w in steps[30..].windows(2) {
            let ratio = w[1] as f64 / w[0] as f64;
            let most = GROWTH + 1.0 / w[0] as f64;
            assert!(ratio > 1.0 && ratio <= most, "{w:?}");
        }
        assert_eq!(t.moments()[7].params[0], 7.0);
        assert_eq!(t.moments()[7].epoch, 0);
    }

    #[test]
    fn a_long_run_stays_bounded_and_still_reaches_back_to_its_start() {
        let mut t = Timeline::new(TIMELINE_VALUES / 20);
        assert_eq!(t.capacity(), 20);
        run(&mut t, 10_000_000);
        let m = t.moments();
        assert!(m.len() <= 20 && m.len() >= 10, "{}", m.len());
        assert_eq!(m[0].step, 0);
        assert!(
            m[1].step <= 100_000,
            "the second moment is within the first 1%"
        );
        assert!(m.last().unwrap().step > 1_000_000);
        assert!(m.windows(2).all(|w| w[0].step < w[1].step));
    }

    #[test]
    fn a_mirror_follows_by_pushes_and_retained_steps() {
        let mut source = Timeline::new(9);
        let mut mirror = Timeline::new(9);
        for chunk in [0..5u64, 5..400, 400..100_000] {
            let seen: Vec<u64> = source.moments().iter().map(|m| m.step).collect();
            for s in chunk {
                if source.due(s) {
                    source.record(s, 0, &net(s as f64));
                }
            }
            let steps: Vec<u64> = source.moments().iter().map(|m| m.step).collect();
            mirror.retain_steps(&steps);
            for m in source.moments() {
                if !seen.contains(&m.step) {
                    mirror.push(m.clone());
                }
            }
        }
        assert!(source.moments().len() > 100);
        assert_eq!(source.moments(), mirror.moments());
    }

    #[test]
    fn a_moment_at_the_same_step_replaces_the_last_and_an_earlier_one_truncates() {
        let mut t = Timeline::new(9);
        run(&mut t, 30);
        let n = t.moments().len();
        t.record(30, 3, &net(-1.0));
        assert_eq!(t.moments().len(), n);
        assert_eq!(t.moments()[n - 1].params[0], -1.0);
        t.record(10, 1, &net(-2.0));
        assert_eq!(t.moments().last().unwrap().step, 10);
        assert_eq!(t.moments().len(), 11);
        assert!(t.get(11).is_err());
    }
}
