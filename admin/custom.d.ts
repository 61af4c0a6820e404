// Ambient declarations for the admin build.
