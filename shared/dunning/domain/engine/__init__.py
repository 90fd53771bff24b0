"""The daily dunning decision (SPEC 2.1-2.4): scopes, levels, the schedule of letters,
holds, letter content, and letters a collector asks for by hand."""
