package dev.tokenmeter.cuda;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads the container of an nvcc fatbin, enough to check what build.sh produced. The layout is NVIDIA's and not
 * documented; this follows what cuobjdump and nvcc 13.0's output show: a 16-byte header (magic 0xBA55ED50, version
 * 1, header size 16, then the size of what follows), then entries, each a header (kind 1 = PTX, 2 = ELF cubin,
 * its own size, the payload's size, the target at byte 28) and its payload.
 */
record FatbinImage(int version, List<Entry> entries) {
    static final int MAGIC = 0xBA55ED50;
    static final int PTX = 1;
    static final int ELF = 2;

    /** One embedded image: {@code arch} is the target's number (80 for sm_80 or compute_80, 90 for sm_90a). */
    record Entry(int kind, int arch, byte[] payload) {
        String text() {
            return new String(payload, java.nio.charset.StandardCharsets.ISO_8859_1);
        }
    }

    static FatbinImage parse(byte[] bytes) {
        ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        if (bytes.length < 16 || b.getInt(0) != MAGIC) {
            throw new IllegalArgumentException("not a fatbin: magic " + (bytes.length < 4 ? "missing"
                    : Integer.toHexString(b.getInt(0))));
        }
        int version = Short.toUnsignedInt(b.getShort(4));
        int headerSize = Short.toUnsignedInt(b.getShort(6));
        long size = b.getLong(8);
        if (headerSize + size != bytes.length) {
            throw new IllegalArgumentException("fatbin header says " + headerSize + " + " + size + " bytes, file has "
                    + bytes.length);
        }
        List<Entry> entries = new ArrayList<>();
        int off = headerSize;
        while (off < bytes.length) {
            int kind = Short.toUnsignedInt(b.getShort(off));
            int entryHeader = b.getInt(off + 4);
            long payload = b.getLong(off + 8);
            int arch = b.getInt(off + 28);
            if (entryHeader < 32 || payload < 0 || off + entryHeader + payload > bytes.length) {
                throw new IllegalArgumentException("fatbin entry at " + off + " runs past the end");
            }
            int start = off + entryHeader;
            byte[] data = java.util.Arrays.copyOfRange(bytes, start, (int) (start + payload));
            entries.add(new Entry(kind, arch, data));
            off = (int) (start + payload);
        }
        return new FatbinImage(version, entries);
    }
}
