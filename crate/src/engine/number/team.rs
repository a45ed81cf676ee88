//! The threads a big product's row blocks run on (the `threads` feature). A fork and
//! join through rayon costs about 0.1 ms in wasm: its idle threads sleep on
//! `Atomics.wait`, each is woken by a notify, and the caller sleeps until the last block
//! is done. Against a 0.4 ms product that is a quarter of it. A team's helpers instead
//! spin on a shared counter for a while after each job, so that the next product of a
//! training step finds them awake; the caller runs the first block itself and spins for
//! the rest. A helper that finds no job in [`SPIN_ROUNDS`] checks sleeps until the next.

use std::cell::Cell;
use std::sync::atomic::{AtomicBool, AtomicPtr, AtomicU32, AtomicUsize, Ordering::SeqCst};
use std::sync::{Arc, Condvar, Mutex, OnceLock, PoisonError};

/// Checks of the job counter a helper makes before it sleeps, a millisecond or two: long
/// enough to span the rest of a training step between two split products, short enough
/// that an idle page does not keep a core busy.
const SPIN_ROUNDS: u32 = 1 << 20;

/// One job: called once with each block's index, `0..threads`, on as many threads.
pub type Job<'a> = &'a (dyn Fn(usize) + Sync);

/// The state the caller and the helpers share.
struct Shared {
    /// Bumped once per job, and once when the team stops.
    generation: AtomicU32,
    /// The current job (a `Job` on the caller's stack) while `pending` is above zero.
    job: AtomicPtr<()>,
    /// Helpers that have not yet finished the current job.
    pending: AtomicUsize,
    /// Helpers asleep, or about to sleep, in [`Shared::sleep_while`].
    sleepers: AtomicUsize,
    stop: AtomicBool,
    lock: Mutex<()>,
    wake: Condvar,
}

impl Shared {
    /// Blocks until the generation moves on from `seen`, and returns the new one.
    /// Counting itself a sleeper before it reads the generation, under the lock the
    /// caller takes to notify, a helper cannot miss the job that wakes it.
    fn sleep_while(&self, seen: u32) -> u32 {
        let mut guard = self.lock.lock().unwrap_or_else(PoisonError::into_inner);
        self.sleepers.fetch_add(1, SeqCst);
        loop {
            let now = self.generation.load(SeqCst);
            if now != seen {
                self.sleepers.fetch_sub(1, SeqCst);
                return now;
            }
            guard = self
                .wake
                .wait(guard)
                .unwrap_or_else(PoisonError::into_inner);
        }
    }

    /// A helper's life: wait for each job, run its block, say it is done. It counts
    /// from the generation the team started at, not the one it finds: a helper that
    /// starts late must still take the jobs posted before it ran.
    fn serve(&self, block: usize) {
        let mut seen = 0;
        loop {
            let mut rounds = 0;
            seen = loop {
                let now = self.generation.load(SeqCst);
                if now != seen {
                    break now;
                }
                rounds += 1;
                if rounds == SPIN_ROUNDS {
                    break self.sleep_while(seen);
                }
                std::hint::spin_loop();
            };
            if self.stop.load(SeqCst) {
                return;
            }
            // SAFETY: `run` stored a pointer to a live `Job` before bumping the
            // generation, and keeps it alive until every helper has decremented `pending`.
            let job = unsafe { *self.job.load(SeqCst).cast::<Job<'_>>() };
            job(block);
            self.pending.fetch_sub(1, SeqCst);
        }
    }
}

/// A caller and `helpers` spinning threads that run a job's blocks together.
pub struct Team {
    shared: Arc<Shared>,
    helpers: usize,
    /// Held by the caller of a job; a second caller meanwhile runs its job alone.
    busy: AtomicBool,
}

thread_local! {
    /// The team [`Team::install`] set for this thread, if any.
    static INSTALLED: Cell<*const Team> = const { Cell::new(std::ptr::null()) };
}

impl Team {
    /// Starts `helpers` threads, each handed to `spawn` as a closure that runs until the
    /// team is dropped.
    pub fn start(helpers: usize, mut spawn: impl FnMut(Box<dyn FnOnce() + Send>)) -> Team {
        let shared = Arc::new(Shared {
            generation: AtomicU32::new(0),
            job: AtomicPtr::new(std::ptr::null_mut()),
            pending: AtomicUsize::new(0),
            sleepers: AtomicUsize::new(0),
            stop: AtomicBool::new(false),
            lock: Mutex::new(()),
            wake: Condvar::new(),
        });
        for block in 1..=helpers {
            let shared = Arc::clone(&shared);
            spawn(Box::new(move || shared.serve(block)));
        }
        Team {
            shared,
            helpers,
            busy: AtomicBool::new(false),
        }
    }

    /// The team training uses: the one installed on this thread, else the process's,
    /// started on first use with one helper per thread of rayon's pool but one (on wasm,
    /// the Web Workers of `initThreadPool`; the caller is the training worker).
    pub fn current() -> &'static Team {
        let installed = INSTALLED.with(Cell::get);
        if !installed.is_null() {
            // SAFETY: `install` keeps the team alive while the pointer is set.
            return unsafe { &*installed };
        }
        static GLOBAL: OnceLock<Team> = OnceLock::new();
        GLOBAL.get_or_init(|| {
            let helpers = rayon::current_num_threads().saturating_sub(1);
            Team::start(helpers, rayon::spawn)
        })
    }

    /// Runs `f` with this team as [`Team::current`] on this thread.
    pub fn install<R>(&self, f: impl FnOnce() -> R) -> R {
        struct Restore(*const Team);
        impl Drop for Restore {
            fn drop(&mut self) {
                INSTALLED.with(|t| t.set(self.0));
            }
        }
        let _restore = Restore(INSTALLED.with(|t| t.replace(self)));
        f()
    }

    /// A team of `threads` on plain std threads, for the native tests of what runs on it.
    #[cfg(test)]
    pub fn on_std_threads(threads: usize) -> Team {
        Team::start(threads - 1, |serve| {
            std::thread::spawn(serve);
        })
    }

    /// Threads a job runs on: the caller and the helpers.
    pub fn threads(&self) -> usize {
        self.helpers + 1
    }

    /// Calls `job(b)` for every block `b` in `0..threads()`: block 0 on the calling
    /// thread, the others on the helpers, and returns when all are done. While another
    /// caller holds the team, the job's blocks all run here, one after the other.
    pub fn run(&self, job: Job<'_>) {
        if self.helpers == 0 || self.busy.swap(true, SeqCst) {
            (0..self.threads()).for_each(job);
            return;
        }
        let shared = &*self.shared;
        shared.job.store((&raw const job).cast_mut().cast(), SeqCst);
        shared.pending.store(self.helpers, SeqCst);
        shared.generation.fetch_add(1, SeqCst);
        if shared.sleepers.load(SeqCst) > 0 {
            let _guard = shared.lock.lock().unwrap_or_else(PoisonError::into_inner);
            shared.wake.notify_all();
        }
        job(0);
        while shared.pending.load(SeqCst) > 0 {
            std::hint::spin_loop();
        }
        self.busy.store(false, SeqCst);
    }
}

impl Drop for Team {
    fn drop(&mut self) {
        let shared = &*self.shared;
        shared.stop.store(true, SeqCst);
        shared.generation.fetch_add(1, SeqCst);
        let _guard = shared.lock.lock().unwrap_or_else(PoisonError::into_inner);
        shared.wake.notify_all();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;

    #[test]
    fn every_block_runs_once_per_job_on_as_many_threads() {
        for threads in [1, 2, 3] {
            let team = Team::on_std_threads(threads);
            for _ in 0..200 {
                let seen = Mutex::new(Vec::new());
                team.run(&|b| seen.lock().unwrap().push((b, std::thread::current().id())));
                let mut seen = seen.into_inner().unwrap();
                seen.sort_by_key(|s| s.0);
                assert_eq!(
                    seen.iter().map(|s| s.0).collect::<Vec<_>>(),
                    (0..threads).collect::<Vec<_>>()
                );
                assert_eq!(
                    seen[0].1,
                    std::thread::current().id(),
                    "the caller runs block 0"
                );
                let mut ids: Vec<_> = seen.iter().map(|s| format!("{:?}", s.1)).collect();
                ids.dedup();
                assert_eq!(ids.len(), threads, "one thread per block");
            }
        }
    }

    #[test]
    fn helpers_that_slept_wake_for_the_next_job() {
        let team = Team::on_std_threads(2);
        let count = AtomicUsize::new(0);
        for _ in 0..3 {
            team.run(&|_| {
                count.fetch_add(1, SeqCst);
            });
            while team.shared.sleepers.load(SeqCst) == 0 {
                std::thread::yield_now();
            }
        }
        assert_eq!(count.load(SeqCst), 6);
    }

    #[test]
    fn a_second_caller_runs_its_job_alone_meanwhile() {
        let team = Team::on_std_threads(2);
        let inner = Mutex::new(Vec::new());
        team.run(&|b| {
            if b == 0 {
                team.run(&|i| inner.lock().unwrap().push((i, std::thread::current().id())));
            }
        });
        let inner = inner.into_inner().unwrap();
        assert_eq!(inner.len(), 2);
        assert!(inner.iter().all(|s| s.1 == std::thread::current().id()));
    }
}
