//! A peer's server process, started by the benchmark and stopped by its process id when the
//! benchmark is done with it, or when the benchmark fails half-way (on drop).

use std::{
    fs::File,
    path::Path,
    process::{ExitStatus, Stdio},
    time::Duration,
};
use tokio::process::{Child, Command};

pub struct Daemon {
    child: Child,
}

impl Daemon {
    /// Starts `bin` in the foreground with its output in `output`.
    pub fn spawn(bin: &str, args: &[&str], output: &Path) -> Result<Daemon, String> {
        let out = File::create(output).map_err(|e| e.to_string())?;
        let err = out.try_clone().map_err(|e| e.to_string())?;
        let child = Command::new(bin)
            .args(args)
            .stdin(Stdio::null())
            .stdout(out)
            .stderr(err)
            .spawn()
            .map_err(|e| format!("{bin}: {e}"))?;
        Ok(Daemon { child })
    }

    pub fn exited(&mut self) -> Option<ExitStatus> {
        self.child.try_wait().ok().flatten()
    }

    /// SIGTERM, so that a master process stops its workers too; SIGKILL after 15 s.
    pub async fn stop(mut self) {
        if let Some(pid) = self.child.id() {
            terminate(pid);
        }
        if tokio::time::timeout(Duration::from_secs(15), self.child.wait())
            .await
            .is_err()
        {
            self.child.kill().await.ok();
        }
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        // Still running: `stop` was not reached.
        if let Some(pid) = self.child.id() {
            terminate(pid);
        }
    }
}

fn terminate(pid: u32) {
    std::process::Command::new("kill")
        .args(["-TERM", &pid.to_string()])
        .status()
        .ok();
}
