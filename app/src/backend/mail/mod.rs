//! The mail plane: the SMTP listener and what it hands accepted mail to (the filtering
//! pipeline, delivery and the queue, as they are built).

pub mod smtp;
