//! Putting a message in quarantine: its file under `<data>/quarantine/`, flushed to disk,
//! then its row; only then is the sender answered, so a message the sender was told is
//! taken (2xx) or kept is never lost. (Release, deletion and the screens are the mail
//! operations' part.)

use super::{queue::write_durably, smtp::Server, writer::Write};
use crate::backend::store::quarantine::Kept;
use std::{
    io,
    path::{Path, PathBuf},
};

pub fn path(data_dir: &Path, queue_id: &str) -> PathBuf {
    data_dir.join("quarantine").join(queue_id)
}

/// Keeps `message` (with its trace and score headers) in quarantine.
pub async fn keep(server: &Server, kept: Kept, message: Vec<u8>) -> io::Result<()> {
    let file = path(&server.backend.settings.data_dir, &kept.queue_id);
    tokio::task::spawn_blocking(move || write_durably(&file, &message))
        .await
        .map_err(io::Error::other)??;
    server
        .writer
        .write(Write::Quarantine(Box::new(kept)))
        .await
        .map_err(io::Error::other)
}
