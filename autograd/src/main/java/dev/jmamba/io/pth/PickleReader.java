package dev.jmamba.io.pth;

import dev.jmamba.tensor.JmambaException;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * A restricted unpickler for PyTorch's {@code data.pkl}: a stack machine over the binary opcodes of
 * pickle protocols 2 to 5 that state dicts use, which never executes anything. Values become plain
 * Java data: {@code None} null, ints {@link Long} (or {@link BigInteger}), floats {@link Double},
 * str {@link String}, bytes {@code byte[]}, list {@link ArrayList}, tuple {@link PyTuple}, dict
 * {@link LinkedHashMap}, set {@link java.util.LinkedHashSet}; globals only from the allow-list of
 * {@link PickleGlobals}; persistent ids become {@link TorchStorage}s through {@code persistentLoad}.
 *
 * <p>Defences: every length is checked against the bytes that remain before anything is allocated;
 * the machine is iterative (no recursion, so deep nesting cannot overflow the Java stack); dictionary
 * keys and set members must be scalars or flat tuples of scalars (so hashing never recurses); text-mode
 * opcodes (protocol 0/1), extension registries and out-of-band buffers are refused.
 */
public final class PickleReader {
    private final byte[] in;
    private int pos;
    private final Function<Object, Object> persistentLoad;
    private final ArrayList<Object> stack = new ArrayList<>();
    private final ArrayList<Integer> marks = new ArrayList<>();
    private final Map<Long, Object> memo = new HashMap<>();
    private long opStart;

    private PickleReader(byte[] in, Function<Object, Object> persistentLoad) {
        this.in = in;
        this.persistentLoad = persistentLoad;
    }

    /**
     * Reads the one object of {@code pickle}. {@code persistentLoad} turns a persistent id (a
     * {@link PyTuple}) into an object; it may throw {@link IllegalArgumentException}.
     *
     * @throws IllegalArgumentException naming the byte offset and the reason, for anything not accepted
     */
    public static Object read(byte[] pickle, Function<Object, Object> persistentLoad) {
        try {
            return new PickleReader(pickle, persistentLoad).run();
        } catch (PickleException e) {
            throw new JmambaException(e.getMessage(), e);
        }
    }

    private Object run() {
        while (true) {
            if (pos >= in.length) throw fail("the pickle ends without a STOP opcode (truncated?)");
            opStart = pos;
            int op = in[pos++] & 0xff;
            switch (op) {
                case 0x80 -> { int proto = u8(); if (proto < 2 || proto > 5) throw fail("pickle protocol " + proto + " is not supported (2 to 5 are)"); }
                case 0x95 -> { long n = le(8); if (n < 0 || n > in.length - pos) throw fail("frame of " + n + " bytes exceeds the pickle"); }
                case '.' -> {
                    if (stack.size() != 1 || !marks.isEmpty()) throw fail("STOP with " + stack.size() + " values and " + marks.size() + " open marks on the stack");
                    return stack.get(0);
                }
                case '(' -> marks.add(stack.size());
                case '0' -> pop();
                case '1' -> popMark();
                case '2' -> push(peek());
                case 'N' -> push(null);
                case 0x88 -> push(Boolean.TRUE);
                case 0x89 -> push(Boolean.FALSE);
                case 'J' -> push((long) (int) le(4));
                case 'K' -> push((long) u8());
                case 'M' -> push(le(2));
                case 0x8a -> push(longOf(take(u8())));
                case 0x8b -> push(longOf(take(length(le(4)))));
                case 'G' -> push(ByteBuffer.wrap(take(8)).order(ByteOrder.BIG_ENDIAN).getDouble());
                case 'X' -> push(utf8(take(length(le(4)))));
                case 0x8c -> push(utf8(take(u8())));
                case 0x8d -> push(utf8(take(length(le(8)))));
                case 'T' -> push(new String(take(length(le(4))), StandardCharsets.ISO_8859_1));   // protocol-2 py2 str
                case 'U' -> push(new String(take(u8()), StandardCharsets.ISO_8859_1));
                case 'B' -> push(take(length(le(4))));
                case 'C' -> push(take(u8()));
                case 0x8e -> push(take(length(le(8))));
                case ')' -> push(new PyTuple(List.of()));
                case 't' -> push(new PyTuple(popMark()));
                case 0x85 -> push(new PyTuple(popN(1)));
                case 0x86 -> push(new PyTuple(popN(2)));
                case 0x87 -> push(new PyTuple(popN(3)));
                case ']' -> push(new ArrayList<>());
                case 'l' -> push(new ArrayList<>(popMark()));
                case 'a' -> { Object v = pop(); list(peek()).add(v); }
                case 'e' -> { List<Object> items = popMark(); list(peek()).addAll(items); }
                case '}' -> push(new LinkedHashMap<>());
                case 'd' -> { Map<Object, Object> m = new LinkedHashMap<>(); putPairs(m, popMark()); push(m); }
                case 's' -> { Object v = pop(); Object k = pop(); putPairs(dict(peek()), Arrays.asList(k, v)); }
                case 'u' -> { List<Object> kv = popMark(); putPairs(dict(peek()), kv); }
                case 0x8f -> push(new java.util.LinkedHashSet<>());
                case 0x90 -> { List<Object> items = popMark(); Set<Object> s = set(peek()); for (Object o : items) s.add(checkKey(o, opStart)); }
                case 0x91 -> { Set<Object> s = new java.util.LinkedHashSet<>(); for (Object o : popMark()) s.add(checkKey(o, opStart)); push(s); }
                case 'q' -> memo.put((long) u8(), peek());
                case 'r' -> memo.put(le(4) & 0xffffffffL, peek());
                case 0x94 -> memo.put((long) memo.size(), peek());
                case 'h' -> push(memoGet(u8()));
                case 'j' -> push(memoGet(le(4) & 0xffffffffL));
                case 'c' -> push(PickleGlobals.resolve(line(), line(), opStart));
                case 0x93 -> {
                    Object name = pop(), module = pop();
                    if (!(module instanceof String m) || !(name instanceof String n)) throw fail("STACK_GLOBAL needs two strings");
                    push(PickleGlobals.resolve(m, n, opStart));
                }
                case 'R' -> {
                    Object args = pop(), callable = pop();
                    if (!(callable instanceof PickleGlobals.Global g)) throw fail("REDUCE on " + describe(callable) + ", not a global");
                    if (!(args instanceof PyTuple t)) throw fail("REDUCE arguments must be a tuple");
                    push(PickleGlobals.reduce(g, t, opStart));
                }
                case 0x81 -> {
                    Object args = pop(), cls = pop();
                    if (!(cls instanceof PickleGlobals.Global g) || !(args instanceof PyTuple t)) throw fail("NEWOBJ needs a class and a tuple");
                    push(PickleGlobals.newObject(g, t, opStart));
                }
                case 0x92 -> {
                    Object kwargs = pop(), args = pop(), cls = pop();
                    if (!(cls instanceof PickleGlobals.Global g) || !(args instanceof PyTuple t) || !(kwargs instanceof Map<?, ?> kw) || !kw.isEmpty()) {
                        throw fail("NEWOBJ_EX needs a class, a tuple and no keyword arguments");
                    }
                    push(PickleGlobals.newObject(g, t, opStart));
                }
                case 'b' -> { Object state = pop(); push(PickleGlobals.build(pop(), state, opStart)); }
                case 'Q' -> {
                    Object pid = pop();
                    try {
                        push(persistentLoad.apply(pid));
                    } catch (IllegalArgumentException e) {
                        throw fail(e.getMessage());
                    }
                }
                default -> throw fail("opcode 0x" + Integer.toHexString(op) + (op >= 0x20 && op < 0x7f ? " ('" + (char) op + "')" : "")
                        + " is not accepted (only the binary opcodes of protocols 2 to 5 that state dicts use are)");
            }
        }
    }

    // ---------------------------------------------------------------- stack

    private void push(Object o) { stack.add(o); }

    private Object pop() {
        int floor = marks.isEmpty() ? 0 : marks.getLast();
        if (stack.size() <= floor) throw fail("stack underflow");
        return stack.removeLast();
    }

    private Object peek() {
        int floor = marks.isEmpty() ? 0 : marks.getLast();
        if (stack.size() <= floor) throw fail("stack underflow");
        return stack.getLast();
    }

    private List<Object> popN(int n) {
        Object[] out = new Object[n];
        for (int i = n - 1; i >= 0; i--) out[i] = pop();
        return Arrays.asList(out);
    }

    private List<Object> popMark() {
        if (marks.isEmpty()) throw fail("no MARK to pop to");
        int m = marks.removeLast();
        List<Object> sub = stack.subList(m, stack.size());
        List<Object> out = new ArrayList<>(sub);
        sub.clear();
        return out;
    }

    private Object memoGet(long key) {
        if (!memo.containsKey(key)) throw fail("memo key " + key + " was never stored");
        return memo.get(key);
    }

    @SuppressWarnings("unchecked")
    private List<Object> list(Object o) {
        if (o instanceof ArrayList<?> l) return (List<Object>) l;
        throw fail("APPEND on " + describe(o) + ", not a list");
    }

    @SuppressWarnings("unchecked")
    private Map<Object, Object> dict(Object o) {
        if (o instanceof Map<?, ?> m) return (Map<Object, Object>) m;
        if (o instanceof PyObject p) return p.items();
        throw fail("SETITEM on " + describe(o) + ", not a dict");
    }

    @SuppressWarnings("unchecked")
    private Set<Object> set(Object o) {
        if (o instanceof Set<?> s) return (Set<Object>) s;
        throw fail("ADDITEMS on " + describe(o) + ", not a set");
    }

    private void putPairs(Map<Object, Object> m, List<Object> kv) {
        if (kv.size() % 2 != 0) throw fail("odd number of values for dict items");
        for (int i = 0; i < kv.size(); i += 2) m.put(checkKey(kv.get(i), opStart), kv.get(i + 1));
    }

    /** Dict keys and set members: None, bool, int, float, str, bytes-free flat tuples of those. */
    static Object checkKey(Object k, long offset) {
        if (k == null || k instanceof String || k instanceof Long || k instanceof Boolean || k instanceof Double || k instanceof BigInteger) return k;
        if (k instanceof PyTuple t) {
            for (Object o : t.items()) {
                if (!(o == null || o instanceof String || o instanceof Long || o instanceof Boolean || o instanceof Double)) {
                    throw new PickleException(offset, "a dict key or set member may be a tuple of scalars only, got a tuple holding " + describe(o));
                }
            }
            return k;
        }
        throw new PickleException(offset, "a dict key or set member must be a scalar, got " + describe(k));
    }

    /** A short description of a value's type, for messages (never walks into it). */
    static String describe(Object o) {
        return switch (o) {
            case null -> "None";
            case String s -> "a str";
            case Long l -> "an int";
            case Double d -> "a float";
            case List<?> l -> "a list";
            case PyTuple t -> "a tuple";
            case Map<?, ?> m -> "a dict";
            case byte[] b -> "bytes";
            default -> o.toString();
        };
    }

    // ---------------------------------------------------------------- input

    private PickleException fail(String problem) { return new PickleException(opStart, problem); }

    private int u8() {
        if (pos >= in.length) throw fail("truncated operand");
        return in[pos++] & 0xff;
    }

    /** Little-endian unsigned value of n bytes (n <= 8). */
    private long le(int n) {
        if (n > in.length - pos) throw fail("truncated operand");
        long v = 0;
        for (int i = 0; i < n; i++) v |= (long) (in[pos + i] & 0xff) << (8 * i);
        pos += n;
        return v;
    }

    /** A length operand, checked against the bytes that remain. */
    private int length(long n) {
        if (n < 0 || n > in.length - pos) throw fail("length " + Long.toUnsignedString(n) + " exceeds the " + (in.length - pos) + " bytes that remain");
        return (int) n;
    }

    private byte[] take(int n) {
        if (n > in.length - pos) throw fail("length " + n + " exceeds the " + (in.length - pos) + " bytes that remain");
        byte[] out = Arrays.copyOfRange(in, pos, pos + n);
        pos += n;
        return out;
    }

    private String line() {
        int start = pos;
        while (pos < in.length && in[pos] != '\n') {
            if (pos - start > 256) throw fail("GLOBAL name longer than 256 bytes");
            pos++;
        }
        if (pos >= in.length) throw fail("GLOBAL name without a newline");
        String s = new String(in, start, pos - start, StandardCharsets.US_ASCII);
        pos++;
        return s;
    }

    private String utf8(byte[] b) {
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(b)).toString();
        } catch (CharacterCodingException e) {
            throw fail("a string is not valid UTF-8");
        }
    }

    /** Two's-complement little-endian integer (LONG1 / LONG4). */
    private static Object longOf(byte[] le) {
        if (le.length == 0) return 0L;
        byte[] be = new byte[le.length];
        for (int i = 0; i < le.length; i++) be[i] = le[le.length - 1 - i];
        BigInteger v = new BigInteger(be);
        return v.bitLength() < 64 ? (Object) v.longValue() : v;
    }
}
