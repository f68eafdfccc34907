// GcChurn: a Java heap under GC pressure, for recording fresh fault traces.
//
//   javac -d /tmp GcChurn.java && java -Xmx256m -cp /tmp GcChurn [threads] [seconds]
//
// Each thread allocates byte arrays of mixed sizes and keeps a sliding
// window of survivors, so the young generation fills often and some objects
// are promoted; the JVM's GC threads grow, shrink and touch the heap.
import java.util.ArrayDeque;

public class GcChurn {
	public static void main(String[] args) throws Exception {
		int threads = args.length > 0 ? Integer.parseInt(args[0]) : 4;
		long seconds = args.length > 1 ? Long.parseLong(args[1]) : 3;
		long end = System.nanoTime() + seconds * 1_000_000_000L;
		Thread[] t = new Thread[threads];
		long[] total = new long[threads];
		for (int i = 0; i < threads; i++) {
			final int id = i;
			t[i] = new Thread(() -> {
				ArrayDeque<byte[]> window = new ArrayDeque<>();
				long n = 0, x = id + 1;
				while (System.nanoTime() < end) {
					x = x * 6364136223846793005L + 1442695040888963407L;
					int size = 64 << (int) ((x >>> 60) & 7);	// 64 B .. 8 KiB
					byte[] b = new byte[size];
					b[size - 1] = (byte) n;
					window.add(b);
					if (window.size() > 20000)
						window.poll();
					n++;
				}
				total[id] = n;
			});
			t[i].start();
		}
		long sum = 0;
		for (int i = 0; i < threads; i++) {
			t[i].join();
			sum += total[i];
		}
		System.out.println("allocated " + sum + " arrays");
	}
}
