"""The edges: one module per channel, turning platform messages into Inbound and Reply into platform calls;
a channel package mounts itself on the web server (`mount`, which returns `mounting.Mounted`)."""
