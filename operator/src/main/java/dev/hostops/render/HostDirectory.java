package dev.hostops.render;

/**
 * A directory hostops makes sure exists on a host before writing files into it.
 *
 * @param path absolute path
 * @param mode octal permission bits to set (e.g. "700"), or null to leave them as they are
 */
public record HostDirectory(String path, String mode) {}
