package dev.cinnabar.server.command.geo;

import java.util.Comparator;
import java.util.List;

/**
 * A partial quicksort: after it, positions [lo, hi] of the list hold the elements a full sort
 * would put there. Redis sorts search results with COUNT this way (its pqsort: Bentley and
 * McIlroy's "Engineering a Sort Function" with three-way partitioning, pruned to the wanted
 * range), and equal distances come out in an order that depends on the algorithm's swaps; we run
 * the same algorithm so ties are reported in the same order.
 *
 * <p>Outline: below 7 elements, insertion sort. Otherwise the pivot is the median of three (of
 * three medians of three above 40 elements), moved to the front; elements equal to it are
 * gathered at both ends while partitioning, then swapped to the middle. A partition that needed
 * no swap is finished by insertion sort. Only parts that overlap [lo, hi] are sorted further.
 */
final class PartialSort<T> {
    private final List<T> a;
    private final Comparator<? super T> cmp;

    private PartialSort(List<T> a, Comparator<? super T> cmp) {
        this.a = a;
        this.cmp = cmp;
    }

    static <T> void sort(List<T> list, Comparator<? super T> cmp, int lo, int hi) {
        new PartialSort<>(list, cmp).sort(0, list.size(), lo, hi);
    }

    private int cmp(int i, int j) {
        return cmp.compare(a.get(i), a.get(j));
    }

    private void swap(int i, int j) {
        T t = a.get(i);
        a.set(i, a.get(j));
        a.set(j, t);
    }

    private void vecswap(int i, int j, int n) {
        for (int k = 0; k < n; k++) {
            swap(i + k, j + k);
        }
    }

    private int med3(int x, int y, int z) {
        return cmp(x, y) < 0 ? (cmp(y, z) < 0 ? y : (cmp(x, z) < 0 ? z : x))
                : (cmp(y, z) > 0 ? y : (cmp(x, z) < 0 ? x : z));
    }

    private void insertionSort(int base, int n) {
        for (int m = base + 1; m < base + n; m++) {
            for (int l = m; l > base && cmp(l - 1, l) > 0; l--) {
                swap(l, l - 1);
            }
        }
    }

    /** Sorts the n elements from base, as far as they matter for [lo, hi]. */
    private void sort(int base, int n, int lo, int hi) {
        while (true) {
            if (n < 7) {
                insertionSort(base, n);
                return;
            }
            int pm = base + n / 2;
            if (n > 7) {
                int pl = base;
                int pn = base + n - 1;
                if (n > 40) {
                    int d = n / 8;
                    pl = med3(pl, pl + d, pl + 2 * d);
                    pm = med3(pm - d, pm, pm + d);
                    pn = med3(pn - 2 * d, pn - d, pn);
                }
                pm = med3(pl, pm, pn);
            }
            swap(base, pm);
            int pa = base + 1;
            int pb = pa;
            int pc = base + n - 1;
            int pd = pc;
            boolean swapped = false;
            while (true) {
                int r;
                while (pb <= pc && (r = cmp(pb, base)) <= 0) {
                    if (r == 0) {
                        swapped = true;
                        swap(pa, pb);
                        pa++;
                    }
                    pb++;
                }
                while (pb <= pc && (r = cmp(pc, base)) >= 0) {
                    if (r == 0) {
                        swapped = true;
                        swap(pc, pd);
                        pd--;
                    }
                    pc--;
                }
                if (pb > pc) {
                    break;
                }
                swap(pb, pc);
                swapped = true;
                pb++;
                pc--;
            }
            if (!swapped) {
                insertionSort(base, n);
                return;
            }
            int pn = base + n;
            int r = Math.min(pa - base, pb - pa);
            vecswap(base, pb - r, r);
            r = Math.min(pd - pc, pn - pd - 1);
            vecswap(pb, pn - r, r);
            r = pb - pa;
            if (r > 1 && overlaps(base, r, lo, hi)) {
                sort(base, r, lo, hi);
            }
            r = pd - pc;
            if (r <= 1) {
                return;
            }
            base = pn - r;
            n = r;
            if (!overlaps(base, n, lo, hi)) {
                return;
            }
        }
    }

    private static boolean overlaps(int start, int n, int lo, int hi) {
        return !(hi < start || lo >= start + n);
    }
}
