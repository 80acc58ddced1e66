package dev.tokenmeter.cpu;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
class ScratchH3MeasureTest {
  @Test void measure() {
    for (MatMul mm : new MatMul[]{new VectorMatMul(), new ScalarMatMul()}) {
      double worst = 0, worstRatio = 0;
      for (int t : new int[]{1,2,3,4,5,7,8,17}) for (int in : new int[]{1,15,16,17,64,100,768}) for (int out : new int[]{1,3,4,5,16,17,33,64}) {
        SplittableRandom rnd = new SplittableRandom(t*1000003L+in*1009L+out);
        float[] x = MatMulTest.uniform(rnd, t*in, 1f); short[] w = MatMulTest.bf16Uniform(rnd, out*in, (float)Math.sqrt(3.0/in));
        float[] y = new float[t*out]; mm.rows(x,t,in,w,out,y,false,0,out,new float[mm.scratchFloats(in)]);
        double[] r = MatMulTest.reference(x,t,in,w,out);
        for (int i=0;i<y.length;i++){ double e=Math.abs(y[i]-r[i]); worst=Math.max(worst,e); worstRatio=Math.max(worstRatio, e/(1e-30+Math.abs(r[i])));}
      }
      System.out.println("H3MEASURE " + mm.description() + " maxabs=" + worst);
    }
  }
}
