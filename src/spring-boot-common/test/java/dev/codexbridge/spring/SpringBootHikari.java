package dev.codexbridge.spring;

import com.zaxxer.hikari.HikariDataSource;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.core.env.Environment;

/**
 * The application's DataSource as Spring Boot's {@code DataSourceAutoConfiguration} makes one
 * (which the starters' tests do not have: no spring-boot-jdbc): a HikariCP pool on {@code url},
 * connecting at its first use, with {@code spring.datasource.hikari.*} bound onto it as its
 * {@code @ConfigurationProperties} would.
 */
final class SpringBootHikari {
    private SpringBootHikari() {
    }

    static HikariDataSource pool(String url, Environment environment) {
        HikariDataSource pool = new HikariDataSource();
        pool.setJdbcUrl(url);
        Binder.get(environment).bind("spring.datasource.hikari", Bindable.ofInstance(pool));
        return pool;
    }
}
